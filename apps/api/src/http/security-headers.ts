import type { FastifyInstance } from 'fastify';

/**
 * What @fastify/helmet would set for a JSON API (it is not installed). Names in lower case, as
 * Fastify stores and sends them: it lower-cases every name it is given, and a name already in
 * lower case comes back as the same constant string instead of a new one to look up.
 */
const HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-dns-prefetch-control': 'off',
};

/** An API answer is data, never a page: nothing may run or be framed. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/** The documentation UI loads its own scripts and styles (and swagger-ui uses inline styles). */
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/** Every API answer's security headers, for the answers Node writes outside Fastify (client-errors.ts). */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = { ...HEADERS, 'content-security-policy': API_CSP, 'cache-control': 'no-store' };

export function addSecurityHeaders(fastify: FastifyInstance, docsPrefix: string): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(HEADERS);
    void reply.header('content-security-policy', request.url.startsWith(docsPrefix) ? DOCS_CSP : API_CSP);
    // Answers are per token and change with every command: no shared or browser cache may keep them.
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
