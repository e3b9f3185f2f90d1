import { MethodNotAllowedException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/** Every method a route of the API answers (HEAD with each GET). */
const SERVED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'] as const;

/**
 * A request no route matches, on a path that other methods serve (`PATCH /api/venues/{id}`), is a
 * 405 with the `Allow` header HTTP requires, not the 404 that would say the venue does not exist
 * (spec §1: 404 is for a resource that does not exist). Paths no route serves stay 404. It runs
 * before any token check, like the 404: which methods a path takes is public (the OpenAPI document).
 */
export function answerMethodNotAllowed(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) return done();
    const path = request.url.split('?', 1)[0];
    const allowed = SERVED_METHODS.filter((method) => method !== request.method && fastify.findRoute({ method, url: path }) !== null);
    if (allowed.length === 0) return done();
    void reply.header('allow', allowed.join(', '));
    done(new MethodNotAllowedException(`Method ${request.method} is not allowed for this URL; allowed: ${allowed.join(', ')}`));
  });
}
