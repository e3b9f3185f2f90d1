import type { LoggerService } from '@nestjs/common';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * The logger of one request (the request id bound), made on first use. A pino child costs more
 * than the rest of a retrieve's own work (bindings serialized and redacted, Fastify's check of a
 * custom child), and most requests log only the "request completed" line, which logRequests
 * writes on the parent with the request id itself.
 */
class RequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    // Fastify always passes an options object, and pino rebuilds its formatters for any child
    // given options: without route-level log options (there are none) the child is made without.
    this.made ??=
      this.options.level === undefined && this.options.serializers === undefined
        ? this.parent.child(this.bindings)
        : this.parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }
  get silent(): FastifyBaseLogger['silent'] {
    return this.logger.silent;
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
  private write(method: LogMethod, args: unknown[]): void {
    // Below the level, pino would drop it anyway: no child is made for nothing. (A route's own
    // log level, which the child would have, is left to the child.)
    if (this.made === undefined && this.options.level === undefined && !this.parent.isLevelEnabled(method)) return;
    (this.logger[method] as (...values: unknown[]) => void)(...args);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
}

export function requestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  // Fastify hands over the logger it was given: the root pino logger (or a pino child of it).
  return new RequestLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger;
}

/**
 * One "request completed" line per request (Fastify's own request logging is off): request id,
 * method, route pattern, path without the query string (search parameters may hold names or
 * emails), status and duration; plus organization and actor once the token is verified. Written
 * on the root logger, the request id first, as the request's child logger would have.
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request: FastifyRequest & { principal?: Principal }, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!logger.isLevelEnabled(level)) return done();
    const { principal, url } = request;
    const query = url.indexOf('?');
    // Fields left undefined (no principal) are not written.
    logger[level](
      {
        reqId: request.id,
        organization: principal?.organization,
        actor: principal?.actor,
        method: request.method,
        route: request.routeOptions.url ?? null,
        path: query === -1 ? url : url.slice(0, query),
        statusCode: status,
        responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
    done();
  });
}

/** Nest's own logs (startup, the problem filter's 500s) as JSON lines of the same logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  private write(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', message: unknown, params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    this.logger[level]({ context }, String(message));
  }

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }
}
