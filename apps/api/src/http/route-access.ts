import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { fastifyRouteKey, listRoutes } from '../openapi/routes.js';
import { bearerAuth } from './auth.js';
import { RATE_LIMIT_EXEMPT, rateLimit } from './rate-limit.js';

export interface RouteAccessOptions {
  jwtSecret: string;
  /** 0: no rate limit. */
  rateLimitPerMinute: number;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Protects each route of the Nest controllers with Fastify onRequest hooks, chosen once when the
 * route is registered from its @Public and @RequireScope metadata: the bearer token check, then
 * the rate limit. A Nest guard and interceptor did the same per request at several times the cost
 * (execution contexts, metadata lookups, rxjs). They run before the body is read: a caller
 * without a valid token gets its 401 without the API parsing up to 1 MiB for it, and a caller
 * over its limit its 429. Routes served by Fastify alone (the docs) are not Nest's: anonymous,
 * and limited by client IP.
 *
 * Call before `app.init()` (which registers the routes); call the returned check after it, so
 * that a route this could not match (a path written differently) fails the start instead of
 * being left unprotected.
 */
export function protectRoutes(app: INestApplication, fastify: FastifyInstance, options: RouteAccessOptions, docsPath: string): () => void {
  const rules = new Map(listRoutes(app).map((route) => [fastifyRouteKey(route), route]));
  const limit = options.rateLimitPerMinute > 0 ? rateLimit(options.rateLimitPerMinute) : null;
  const protectedRoutes = new Set<string>();

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (limit && route.url.startsWith(docsPath)) route.onRequest = [...asArray(route.onRequest), limit];
    for (const method of asArray(route.method)) {
      // Fastify answers HEAD from the GET route's handler: same protection.
      const key = `${method === 'HEAD' ? 'GET' : method} ${route.url}`;
      const rule = rules.get(key);
      if (!rule) continue;
      protectedRoutes.add(key);
      const hooks = [];
      if (!rule.isPublic) hooks.push(bearerAuth(options.jwtSecret, rule.scope));
      if (limit && !RATE_LIMIT_EXEMPT.test(route.url)) hooks.push(limit);
      route.onRequest = [...asArray(route.onRequest), ...hooks];
      return;
    }
  });

  return () => {
    const missed = [...rules.keys()].filter((key) => !protectedRoutes.has(key));
    if (missed.length > 0) throw new Error(`Routes registered without their access rules: ${missed.join(', ')}`);
  };
}
