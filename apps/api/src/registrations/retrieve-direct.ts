import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod, RouteOptions } from 'fastify';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import { UuidParamPipe } from '../http/validation.js';
import { RegistrationRetrieveController } from './registration-retrieve.controller.js';

const ROUTE = '/api/registrations/:registration';
const PARAM = { type: 'param', data: 'registration' } as const;

type RetrieveRequest = FastifyRequest<{ Params: { registration: string }; Querystring: { asOf?: unknown } }> & { principal: Principal };

/**
 * Retrieve by id is the hottest read, and Nest's per-request router work (execution contexts,
 * pipes on every parameter, several awaits) cost as much as the read itself. The controller
 * stays the route's definition (OpenAPI, access rules, the `asOf` path); this only calls its
 * method from Fastify's handler with the arguments Nest would pass. Errors still reach the
 * problem filter through the error handler Nest gives Fastify. Call before `app.init()`, and the
 * returned check after it.
 */
export function serveRetrieveDirectly(app: INestApplication, fastify: FastifyInstance): () => void {
  const pipe = new UuidParamPipe();
  let served = false;
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.url !== ROUTE || (route.method !== 'GET' && route.method !== 'HEAD')) return;
    served = true;
    const viaNest = route.handler;
    const controller = app.get(RegistrationRetrieveController);
    route.handler = function (this: FastifyInstance, request: RetrieveRequest, reply: FastifyReply) {
      const { registration } = request.params;
      // Time travel, and the empty segment Nest answers as not found, keep Nest's own path.
      if (request.query.asOf !== undefined || registration === '') return viaNest.call(this, request, reply);
      return controller.retrieve(pipe.transform(registration, PARAM), request.principal, undefined, reply);
    } as RouteHandlerMethod;
  });
  // Called after the routes are registered: a renamed route must not quietly lose its fast path.
  return () => {
    if (!served) throw new Error(`No route ${ROUTE} to serve directly: the retrieve route changed`);
  };
}
