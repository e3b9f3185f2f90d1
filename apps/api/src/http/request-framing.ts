import { BadRequestException, NotImplementedException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

/**
 * Requests whose meaning is ambiguous are refused before anything reads them:
 * - an HTTP/1.1 request without Host, or any with two Host lines (RFC 9112 §3.2: a server MUST
 *   answer 400). Node answers a missing Host itself, with a bare 400, unless told not to
 *   (`requireHostHeader: false`); HTTP/1.0 had no Host, and probes still send it so;
 * - two Authorization lines: Node keeps the first, and a proxy or log in front may read the last;
 * - a body in a content coding (RFC 9110 §8.4): bodies are read as they are, so a gzip body failed
 *   as "not valid JSON" and an unknown coding was ignored;
 * - a transfer coding other than chunked (`gzip, chunked`): a 501 (RFC 9112 §6.1), and the
 *   connection closed, since its body cannot be told from the next request.
 */
export function refuseAmbiguousRequests(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const transfer = request.headers['transfer-encoding'];
    if (transfer !== undefined && transfer.trim().toLowerCase() !== 'chunked') {
      // Node reads the chunks and leaves the coding on the bytes: the body cannot be read, nor the next request found.
      void reply.header('connection', 'close');
      return done(new NotImplementedException('Transfer-Encoding other than chunked is not supported'));
    }
    const coding = request.headers['content-encoding'];
    if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
      return done(new UnsupportedMediaTypeException('Request body must not be compressed: Content-Encoding is not supported'));
    }
    const problem = singletonHeaderProblem(request.raw.rawHeaders, request.raw.httpVersion !== '1.0');
    done(problem === null ? undefined : new BadRequestException(problem));
  });
}

/** Node lists every header line in `rawHeaders`, name then value, names as sent. */
function singletonHeaderProblem(raw: readonly string[], hostRequired: boolean): string | null {
  let hosts = 0;
  let authorizations = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && name.toLowerCase() === 'host') hosts += 1;
    else if (name.length === 13 && name.toLowerCase() === 'authorization') authorizations += 1;
  }
  if (hosts > 1) return 'Send one Host header, not several';
  if (hosts === 0 && hostRequired) return 'A Host header is required';
  return authorizations > 1 ? 'Send one Authorization header, not several' : null;
}

/**
 * Pipelined requests (sent on one connection without waiting for the answers) are handled one
 * after another, as RFC 9112 §9.3.2 requires unless all are safe: Node hands them over at once
 * and queues only the answers, so a GET pipelined after the PUT of the same venue was read before
 * that PUT was stored (404). Node gives the connection to a response (its `socket` event) once
 * every earlier answer on it was sent: a request waits for that. A client that waits for each
 * answer finds its response given the connection already, and never waits here.
 */
export function handlePipelinedRequestsInTurn(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if ((request.raw.socket as Socket & { _httpMessage?: unknown })._httpMessage === reply.raw) return done();
    reply.raw.once('socket', () => done());
  });
}
