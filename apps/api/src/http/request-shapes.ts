import type { INestApplication, Type } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { fastifyRouteKey, listRoutes } from '../openapi/routes.js';
import type { FieldProblem } from './problem-details.js';
import { bodyProblemsOf, PathParamPipe, QueryParamPipe } from './validation.js';

/** A checked path or query parameter: its name and the pipe whose check it passes. */
interface CheckedParam<Check> {
  name: string;
  check: Check;
}

/** What a route takes: its checked path parameters and query parameters, in order, and its body's class. */
interface RequestShape {
  params: ReadonlyArray<CheckedParam<PathParamPipe>>;
  query: ReadonlyArray<CheckedParam<QueryParamPipe<unknown>>>;
  body: Type | null;
}

interface RouteArg {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

function shapeOf(controller: Type, handlerName: string): RequestShape | null {
  const args: Record<string, RouteArg> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {};
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, handlerName) ?? []) as Type[];
  const params: CheckedParam<PathParamPipe>[] = [];
  const query: CheckedParam<QueryParamPipe<unknown>>[] = [];
  let body: Type | null = null;
  for (const [key, arg] of Object.entries(args).sort(([, a], [, b]) => a.index - b.index)) {
    const paramType = Number(key.split(':')[0]);
    if (paramType === RouteParamtypes.BODY) body = types[arg.index] ?? null;
    if (typeof arg.data !== 'string') continue;
    const pipes = (arg.pipes ?? []).map((pipe) => (typeof pipe === 'function' ? new (pipe as new () => unknown)() : pipe));
    const pathCheck = paramType === RouteParamtypes.PARAM ? pipes.find((pipe) => pipe instanceof PathParamPipe) : undefined;
    if (pathCheck) params.push({ name: arg.data, check: pathCheck });
    const queryCheck = paramType === RouteParamtypes.QUERY ? pipes.find((pipe) => pipe instanceof QueryParamPipe) : undefined;
    if (queryCheck) query.push({ name: arg.data, check: queryCheck });
  }
  // Only a request checked in more than one place can fail in more than one.
  return params.length > 0 && (body !== null || query.length > 0) ? { params, query, body } : null;
}

/**
 * Every problem of a request whose path and body (or query) are both wrong, in one 400 (spec §1).
 * Nest runs a route's pipes side by side and answers the first that fails, so `PUT /api/venues/x`
 * with `{"Name":5}` named only the id, and `GET /api/registrations/x?asOf=2028-01-01` only `asOf`.
 * Each route taking a checked path parameter and a body or a checked query parameter keeps
 * its shape in its Fastify config, worked out once here; the problem filter asks it for the full
 * list, so only a refused request pays. Call before `app.init()`.
 */
export function rememberRequestShapes(app: INestApplication, fastify: FastifyInstance): void {
  const shapes = new Map<string, RequestShape>();
  for (const route of listRoutes(app)) {
    const shape = shapeOf(route.controller as Type, route.handlerName);
    if (shape) shapes.set(fastifyRouteKey(route), shape);
  }
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const shape = typeof route.method === 'string' ? shapes.get(`${route.method} ${route.url}`) : undefined;
    if (shape) route.config = { ...(route.config as object), requestShape: shape };
  });
}

/** The problems of the request's path parameters, then of its query's, then of its body; null for a route without a remembered shape. */
export function requestProblemsOf(request: FastifyRequest): FieldProblem[] | null {
  const shape = (request.routeOptions?.config as { requestShape?: RequestShape } | undefined)?.requestShape;
  if (!shape) return null;
  const params = request.params as Record<string, string>;
  const query = (request.query ?? {}) as Record<string, unknown>;
  return [
    ...shape.params.flatMap(({ name, check }) => check.problemWith(params[name] ?? '', name) ?? []),
    ...shape.query.flatMap(({ name, check }) => check.problemWith(query[name], name) ?? []),
    ...(shape.body === null ? [] : bodyProblemsOf(request.body, shape.body)),
  ];
}
