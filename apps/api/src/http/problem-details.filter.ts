import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReadYourWritesTimeoutError } from '../../../../libs/application/src/checkpoint-read-your-writes.js';
import { DomainError } from '../../../../libs/domain/src/shared/domain-error.js';
import { ProjectionLagTimeoutError } from '../../../../libs/read-model/src/checkpoint-waiters.js';
import { ReadModelsBehindError } from '../../../../libs/read-model/src/read-gate.js';
import { CollectionMissingError } from '../../../../libs/read-model/src/read-store.js';
import { BearerChallenge } from './auth.js';
import { methodsServingPathOf } from './method-not-allowed.js';
import { requestProblemsOf } from './request-shapes.js';
import { PROBLEM_CONTENT_TYPE, problem, ProblemDetails, READ_MODELS_BEHIND, READ_MODELS_NOT_CAUGHT_UP, RequestValidationError } from './problem-details.js';

const DOMAIN_STATUS = { invalid: 400, not_found: 404, conflict: 409 } as const;

const RETRY_AFTER_SECONDS = '1';

/** Turns every error into problem+json. Anything unexpected is a 500 and logged: a bug. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    // Nest's not-found handler answers every unmatched request; one on a path other methods serve is a 405.
    const allowed = exception instanceof NotFoundException ? methodsServingPathOf(request) : [];
    if (allowed.length > 0) void reply.header('Allow', allowed.join(', '));
    const body =
      allowed.length > 0
        ? problem(405, `Method ${request.method} is not allowed for this URL; allowed: ${allowed.join(', ')}`)
        : isUnmatched(exception, request)
          ? // Nest's message names the whole URL: a token or other secret in its query would be echoed.
            problem(404, `Cannot ${request.method} ${request.url.split('?', 1)[0]}`)
          : this.toProblem(exception, request);
    // A 503 is the service saying it is not ready or behind (readiness, read models catching up):
    // worth a warning, not an error with a stack, which would page someone at every probe. A full
    // disk is one too, but someone must act on it.
    if (isStorageFull(exception)) this.logger.error(`${request.method} ${request.routeOptions?.url ?? 'unmatched'}: ${body.detail}`);
    else if (body.status === 503) this.logger.warn(`${request.method} ${request.routeOptions?.url ?? 'unmatched'}: ${body.detail}`);
    else if (body.status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (body.status === 503) void reply.header('Retry-After', RETRY_AFTER_SECONDS);
    if (exception instanceof BearerChallenge) void reply.header('WWW-Authenticate', exception.challenge);
    void reply.status(body.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
  }

  toProblem(exception: unknown, request?: FastifyRequest): ProblemDetails {
    if (exception instanceof DomainError) return problem(DOMAIN_STATUS[exception.kind], exception.message);
    if (exception instanceof BearerChallenge) return problem(exception.status, exception.message);
    if (exception instanceof ProjectionLagTimeoutError || exception instanceof ReadYourWritesTimeoutError) {
      return problem(503, READ_MODELS_BEHIND);
    }
    if (exception instanceof ReadModelsBehindError) return problem(503, exception.stored ? READ_MODELS_BEHIND : READ_MODELS_NOT_CAUGHT_UP);
    if (exception instanceof CollectionMissingError) return problem(503, READ_MODELS_NOT_CAUGHT_UP);
    if (isStorageFull(exception)) return problem(503, STORAGE_FULL);
    if (exception instanceof RequestValidationError) {
      // The first check that failed answered; the route's shape lists every problem (spec §1).
      const every = request ? requestProblemsOf(request) : null;
      return problem(400, 'The request is invalid', every !== null && every.length > 0 ? every : exception.errors);
    }
    // Nest wraps Fastify's body errors (media type, size, JSON) in an HttpException: worded as documented.
    const fastifyCause = exception instanceof HttpException ? fromFastifyError(exception.cause) : null;
    if (fastifyCause) return fastifyCause;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? String((response as { message: unknown }).message)
          : exception.message;
      return problem(status, message);
    }
    const fastifyProblem = fromFastifyError(exception);
    if (fastifyProblem) return fastifyProblem;
    return problem(500, 'An unexpected error occurred');
  }
}

/**
 * SQLite's transaction was rolled back (`SQLITE_FULL`): nothing of that append was stored, but a
 * command that had already stored its registration's part (a cancel before its event's automatic
 * cancellation) keeps it; a retried cancel or delete finishes it.
 */
const STORAGE_FULL = 'The service cannot store anything: its disk is full. The change was not stored, or not all of it; try again later';

/** A write the disk (or a database's size limit) had no room for. */
function isStorageFull(exception: unknown): boolean {
  return (exception as { code?: unknown } | null)?.code === 'SQLITE_FULL';
}

/** Nest's answer to a request no route matched. */
function isUnmatched(exception: unknown, request: FastifyRequest): boolean {
  return exception instanceof NotFoundException && exception.message === `Cannot ${request.method} ${request.url}`;
}

/** Errors Fastify raises before a route runs (body parsing, size limits). */
export function fromFastifyError(error: unknown): ProblemDetails | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, statusCode } = error as { code?: string; statusCode?: number };
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'Request body is larger than 1 MiB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'Request body must be JSON (Content-Type: application/json)');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'Request body is not valid JSON');
    // The router's own errors: answered without echoing the (possibly huge) path back.
    case 'FST_ERR_BAD_URL':
      return problem(400, 'The URL is not valid');
    // Invalid input like any other (spec §1 lists 400 for it), though HTTP has 414 for long URLs.
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem(400, 'A segment of the URL is too long');
  }
  if (error instanceof SyntaxError) return problem(400, 'Request body is not valid JSON');
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return problem(statusCode, (error as { message?: string }).message ?? 'Bad request');
  }
  return null;
}
