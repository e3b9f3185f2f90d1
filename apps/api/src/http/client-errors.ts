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
  if (socket.writable) socket.write(rawAnswer(problemFor(error)));
  socket.destroy(error);
}

/**
 * CONNECT (a tunnel through a proxy) reaches no route: Node hands its socket to the server's
 * `connect` listeners and, without one, closes it unanswered. An origin server answers 501.
 */
export function answerConnect(_request: IncomingMessage, socket: Socket): void {
  if (socket.writable) socket.write(rawAnswer(problem(501, 'CONNECT is not supported: this server is not a proxy')));
  socket.destroy();
}

/** A whole answer written on the socket itself, closing the connection. */
function rawAnswer(answer: ProblemDetails): string {
  const body = JSON.stringify(answer);
  return (
    `HTTP/1.1 ${answer.status} ${answer.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${randomUUID()}\r\n${SECURITY_HEADER_LINES}Connection: close\r\n\r\n${body}`
  );
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

/** The line the parser failed in: the packet may also hold earlier requests, read whole. */
function failedLine({ rawPacket, bytesParsed = 0 }: { rawPacket?: Buffer; bytesParsed?: number }): string {
  if (!rawPacket) return '';
  const start = bytesParsed === 0 ? 0 : rawPacket.lastIndexOf(0x0a, bytesParsed - 1) + 1;
  return rawPacket.subarray(start).toString('latin1');
}

/** A request line whose method is a well-formed token (RFC 9110 §5.6.2) that Node does not know. */
const UNKNOWN_METHOD_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ \S+ HTTP\/\d\.\d\r?\n/;

function problemFor(error: Error & { code?: string; rawPacket?: Buffer; bytesParsed?: number }): ProblemDetails {
  const { code } = error;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return problem(408, 'The request was not received in time');
  if (code === 'HPE_HEADER_OVERFLOW') return problem(431, 'The request headers are too large');
  // RFC 9110 §9.1: a method the server does not recognise is a 501 (one it knows but a path lacks
  // is a 405); bytes that are no request line at all (TLS to the plain port, garbage) stay a 400.
  if (code === 'HPE_INVALID_METHOD' && UNKNOWN_METHOD_LINE.test(failedLine(error))) {
    return problem(501, 'The request method is not supported');
  }
  return problem(400, 'The request is not valid HTTP');
}
