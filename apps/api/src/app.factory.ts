import type { Server as HttpServer } from 'node:http';
import 'reflect-metadata';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { errorCodes, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../../../libs/application/src/config/app-config.js';
import { AppModule } from './app.module.js';
import { HealthModule } from './health/health.module.js';
import { answerClientError, answerConnect, answerUnmetExpectation } from './http/client-errors.js';
import { parseJsonBodies } from './http/json-bodies.js';
import { fromFastifyError } from './http/problem-details.filter.js';
import { PROBLEM_CONTENT_TYPE, problem } from './http/problem-details.js';
import { closeConnectionsOnceIdle } from './http/closing.js';
import { handlePipelinedRequestsInTurn, refuseAmbiguousRequests } from './http/request-framing.js';
import { rememberRequestShapes } from './http/request-shapes.js';
import { protectRoutes } from './http/route-access.js';
import { addSecurityHeaders } from './http/security-headers.js';
import { BodyValidationPipe } from './http/validation.js';
import { instrumentHttp } from './observability/http-metrics.js';
import { logRequests, PinoNestLogger, requestLogger } from './observability/logging.js';
import { createRootLogger } from '../../../libs/application/src/observability/root-logger.js';
import { Metrics } from './observability/metrics.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { DOCS_PATH, setupOpenApi } from './openapi/openapi.js';
import { serveCommandsDirectly } from './registrations/commands-direct.js';
import { serveRetrieveDirectly } from './registrations/retrieve-direct.js';

/** Longer than any id or billing code this API takes in a path. */
const MAX_PATH_SEGMENT = 500;
const ONE_MIB = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Options of Node's HTTP server (a constant: @types/node 20 does not know `requireHostHeader`). */
const HTTP_SERVER_OPTIONS = {
  // Node checks the request and header timeouts every `connectionsCheckingInterval` (30 s by
  // default): a body trickled a byte at a time ran 76 s past a 3 s limit.
  connectionsCheckingInterval: 1_000,
  // A missing Host is refused by refuseAmbiguousRequests, as a problem like any other answer.
  requireHostHeader: false,
};

export interface CreateAppOptions {
  /** false: no logs at all (the test default). */
  logger?: boolean;
  /** Where the JSON log lines go (default stdout); tests capture them here. */
  logDestination?: DestinationStream;
}

/** The features (AppModule) plus what operating them needs: metrics and readiness. */
@Module({})
class ServedAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ServedAppModule, imports: [ObservabilityModule, AppModule.forRoot(config), HealthModule] };
  }
}

/** Builds the API (used by `main` and by the end-to-end tests, so both run the same app). */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createRootLogger(options.logger === false ? 'silent' : config.logLevel, options.logDestination);
  const adapter = new FastifyAdapter({
    bodyLimit: ONE_MIB,
    // The router's limit on a decoded path segment (Fastify's default: 100). Above a billing code's
    // 100 characters, so that a longer code gets the code's own field error; past this, 400.
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT },
    loggerInstance: logger,
    // Requests are logged by logRequests (one line, no URL query, no headers).
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: requestLogger,
    // A slow or stalled client must not hold a connection forever.
    connectionTimeout: config.requestTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // Closing, a request that arrives on a kept-alive connection still busy is answered like any
    // other (its answer says `Connection: close`), not with Fastify's own 503: no request id, not
    // problem+json, not logged as a request. The stores close only after the server has.
    return503OnClosing: false,
    http: HTTP_SERVER_OPTIONS,
    // Keep a caller's request id when it is sane, so a trace can cross services; else make one.
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Requests the HTTP parser cannot read are answered as problems too.
    clientErrorHandler: answerClientError,
    // The router rejects malformed or over-long URL segments before any hook or handler runs.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const body = fromFastifyError(error) ?? problem(400, 'The URL is not valid');
      void reply.status(body.status).header('X-Request-Id', request.id).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(ServedAppModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    // A provider that cannot start (a damaged read store) reaches the caller, which says why in one line; Nest would exit itself.
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // Headers too must arrive within the limit (Node's own default is 60 s).
  (app.getHttpServer() as HttpServer).headersTimeout = config.requestTimeoutMs;
  (app.getHttpServer() as HttpServer).on('checkExpectation', answerUnmetExpectation).on('connect', answerConnect);

  // JSON only: the built-in text/plain parser would let non-JSON bodies through.
  fastify.removeContentTypeParser('text/plain');
  handlePipelinedRequestsInTurn(fastify);
  closeConnectionsOnceIdle(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    // Lower case, as Fastify sends it (see security-headers.ts).
    void reply.header('x-request-id', request.id);
    done();
  });
  refuseAmbiguousRequests(fastify);
  addSecurityHeaders(fastify, DOCS_PATH);
  logRequests(fastify, logger);
  instrumentHttp(fastify, app.get(Metrics));
  // Errors raised before a route runs (body parsing, size) reach Nest's own Fastify error handler,
  // which routes them through the global ProblemDetailsFilter: no handler of our own is needed.

  if (config.corsOrigins.length > 0) {
    // Every method the API serves: @fastify/cors allows only GET, HEAD and POST unless told.
    const methods = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
    app.enableCors({ origin: config.corsOrigins, methods, exposedHeaders: ['X-Request-Id', 'Retry-After', 'X-Total-Count', 'WWW-Authenticate', 'Allow'], maxAge: 600 });
  }
  const bodyPipe = new BodyValidationPipe();
  app.useGlobalPipes(bodyPipe);
  app.enableShutdownHooks();
  const checkRouteAccess = protectRoutes(app, fastify, config, DOCS_PATH);
  rememberRequestShapes(app, fastify);
  const checkRetrieveServed = serveRetrieveDirectly(app, fastify);
  const checkCommandsServed = serveCommandsDirectly(app, fastify, bodyPipe);
  setupOpenApi(app);
  try {
    await app.init();
  } catch (error) {
    // Nest logs what fails as it makes the providers (a damaged event store), not what fails as they
    // start (the projector's first replay meeting a damaged read store): so the log says why it stopped.
    new Logger('Booking').error(String(error));
    throw error;
  }
  // JSON only (spec §1: 415 when not JSON): Nest's init registers a form parser beside its JSON one.
  // A POST with no body at all that still names the form type (jQuery's `$.post(url)`, `curl -d ''`)
  // has nothing that is not JSON: it counts as no body, as it did before, and a form body is 415.
  fastify.removeContentTypeParser('application/x-www-form-urlencoded');
  fastify.addContentTypeParser('application/x-www-form-urlencoded', (request, _payload, done) => {
    if (hasNoBody(request.headers)) done(null, undefined);
    else done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), undefined);
  });
  parseJsonBodies(fastify);
  try {
    checkRouteAccess();
    checkRetrieveServed();
    checkCommandsServed();
  } catch (error) {
    // Refusing to start must not leave the stores, connections and worker threads open.
    await app.close();
    throw error;
  }
  return app;
}

/** A request whose headers say it carries no body: no chunked encoding, a Content-Length absent or 0. */
function hasNoBody(headers: FastifyRequest['headers']): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}
