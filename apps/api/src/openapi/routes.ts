import { RequestMethod, SetMetadata } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { PUBLIC, SCOPE } from '../http/auth.js';

const ANSWERS_NOT_FOUND = 'openapi:answers-not-found';

/**
 * Whether the operation can answer 404, when that does not follow from its path: a route with an
 * id in its path answers 404 for an unknown one unless it creates the resource (PUT, schedule,
 * register-lax) or is idempotent about it (DELETE); a route with the id in its query may too.
 */
export const AnswersNotFound = (answers: boolean) => SetMetadata(ANSWERS_NOT_FOUND, answers);

export interface AppRoute {
  /** Lower-case HTTP method, as OpenAPI names operations. */
  method: string;
  /** OpenAPI form: `/api/venues/{venue}`. */
  path: string;
  isPublic: boolean;
  scope: string | undefined;
  answersNotFound: boolean;
  controller: new (...args: never[]) => object;
  handlerName: string;
}

/** `GET /api/venues/:venue`: how the Fastify route of an AppRoute is named (method, URL pattern). */
export const fastifyRouteKey = (route: AppRoute): string =>
  `${route.method.toUpperCase()} ${route.path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1')}`;

const asList = (value: string | string[] | undefined): string[] => (Array.isArray(value) ? value : [value ?? '']);

function join(...parts: string[]): string {
  const path = '/' + parts.flatMap((p) => p.split('/')).filter((p) => p !== '').join('/');
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function methodNames(prototype: object): string[] {
  const names = new Set<string>();
  for (let p = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) if (name !== 'constructor') names.add(name);
  }
  return [...names];
}

/** Every HTTP route of the Nest controllers of a running app, with its auth metadata. */
export function listRoutes(app: INestApplication): AppRoute[] {
  const routes: AppRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of methodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const method: RequestMethod | undefined = Reflect.getMetadata(METHOD_METADATA, handler);
        if (method === undefined || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const targets = [handler, controller];
        const isPublic = targets.some((t) => Reflect.getMetadata(PUBLIC, t) === true);
        const scope: string | undefined = Reflect.getMetadata(SCOPE, handler) ?? Reflect.getMetadata(SCOPE, controller);
        const declared: boolean | undefined = Reflect.getMetadata(ANSWERS_NOT_FOUND, handler);
        for (const prefix of prefixes) {
          for (const path of asList(Reflect.getMetadata(PATH_METADATA, handler))) {
            const route = join(prefix, path);
            const answersNotFound = declared ?? route.includes('{');
            routes.push({ method: RequestMethod[method].toLowerCase(), path: route, isPublic, scope, answersNotFound, controller, handlerName: name });
          }
        }
      }
    }
  }
  return routes;
}
