import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problem, type ProblemDetails } from './problem-details.js';

/**
 * Requests Node's HTTP parser cannot read (a malformed request line or header, a body longer than
 * its Content-Length, a stalled client) never reach Fastify's routes: the server answers on the
 * socket and closes it. Fastify's own answer is plain JSON without a request id; this one is the
 * API's problem+json with an `X-Request-Id`, like every other answer (spec §1).
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const answer = problemFor(error.code);
    const body = JSON.stringify(answer);
    socket.write(
      `HTTP/1.1 ${answer.status} ${answer.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function problemFor(code: string | undefined): ProblemDetails {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return problem(408, 'The request was not received in time');
  if (code === 'HPE_HEADER_OVERFLOW') return problem(431, 'The request headers are too large');
  return problem(400, 'The request is not valid HTTP');
}
