import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problem, type ProblemDetails } from './problem-details.js';
import { API_SECURITY_HEADERS } from './security-headers.js';

const SECURITY_HEADER_LINES = Object.entries(API_SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** Sockets whose answer waits for the responses already in flight on them. */
const waiting = new WeakSet<Socket>();

/**
 * Requests Node's HTTP parser cannot read (a malformed request line or header, a body longer than
 * its Content-Length, one still arriving at Node's request timeout) never reach Fastify's routes:
 * the server answers on the socket and closes it. (A client that goes quiet is dropped by the
 * socket's idle timeout first, without an answer.) Fastify's own answer is plain JSON without a request id; this one is the
 * API's problem+json with an `X-Request-Id`, like every other answer (spec §1).
 *
 * The answer is written only when it is the next one the client reads. When a response to an
 * earlier request on the connection is in flight (keep-alive pipelining, or bytes after a body that
 * ended at its Content-Length), that request was read whole and is being handled: its answer is
 * sent first, then this one. Written at once, this one would be taken for the earlier request's
 * answer (a 400 for a command that was carried out) or land inside its body.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  // The response in flight answers the very request the error is about (its body is still
  // arriving and nothing was sent yet): this answer replaces it.
  const answersThisRequest = inFlight && !inFlight.headersSent && !inFlight.req?.complete;
  if (inFlight && !answersThisRequest) {
    if (waiting.has(socket)) return; // the parser reports its error again for every later chunk
    waiting.add(socket);
    inFlight.once('close', () => {
      waiting.delete(socket);
      answerClientError(error, socket);
    });
    return;
  }
  if (socket.writable) {
    const answer = problemFor(error.code);
    const body = JSON.stringify(answer);
    socket.write(
      `HTTP/1.1 ${answer.status} ${answer.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${randomUUID()}\r\n${SECURITY_HEADER_LINES}Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * An `Expect` other than `100-continue`, which Node answers itself with a bare 417 unless the
 * server listens for it (its `checkExpectation` event): the request is not handled, only answered.
 */
export function answerUnmetExpectation(_request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify(problem(417, 'Only "Expect: 100-continue" is supported'));
  response.writeHead(417, {
    'Content-Type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(body),
    'X-Request-Id': randomUUID(),
    ...API_SECURITY_HEADERS,
  });
  response.end(body);
}

function problemFor(code: string | undefined): ProblemDetails {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return problem(408, 'The request was not received in time');
  if (code === 'HPE_HEADER_OVERFLOW') return problem(431, 'The request headers are too large');
  return problem(400, 'The request is not valid HTTP');
}
