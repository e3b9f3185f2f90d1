import type { FastifyInstance } from 'fastify';

/** What @fastify/helmet would set for a JSON API (it is not installed). */
const HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-DNS-Prefetch-Control': 'off',
};

/** An API answer is data, never a page: nothing may run or be framed. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/** The documentation UI loads its own scripts and styles (and swagger-ui uses inline styles). */
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

export function addSecurityHeaders(fastify: FastifyInstance, docsPrefix: string): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(HEADERS);
    void reply.header('Content-Security-Policy', request.url.startsWith(docsPrefix) ? DOCS_CSP : API_CSP);
    // Answers are per token and change with every command: no shared or browser cache may keep them.
    if (!reply.hasHeader('Cache-Control')) void reply.header('Cache-Control', 'no-store');
    done(null, payload);
  });
}
