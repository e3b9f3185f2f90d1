import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import type { ArgumentMetadata, INestApplication, PipeTransform, Type } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod, RouteOptions } from 'fastify';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import type { CommandContext } from '../../../../libs/application/src/event-sourcing/command-context.js';
import { commandContextOf } from '../http/request-context.js';
import { UuidParamPipe } from '../http/validation.js';
import { RegistrationCommandsController } from './registration-commands.controller.js';
import { validBodyFastPath } from './valid-body-fast-path.js';

const ROUTE = /^\/api\/registrations\/:registration\/commands\/([a-z-]+)$/;
const PARAM = { type: 'param', data: 'registration', metatype: String } as const;

/** The controller's methods by command name (the last segment of the route). */
const METHODS = {
  'register-lax': 'registerLax',
  'transfer-lax': 'transferLax',
  cancel: 'cancel',
  'change-assessment': 'changeAssessment',
  'grant-accommodation': 'grantAccommodation',
  'revoke-accommodation': 'revokeAccommodation',
} as const satisfies Record<string, keyof RegistrationCommandsController>;

type CommandMethod = (
  registration: string,
  body: unknown,
  context: CommandContext,
  reply: FastifyReply,
) => Promise<unknown>;

type CommandRequest = FastifyRequest<{ Params: { registration: string } }> & { principal: Principal };

let turnEnding: Promise<void> | null = null;

/**
 * Settles at the end of this turn of the event loop (its check phase), once for every caller of
 * the turn. Under load one turn parses many requests; their commands then run back to back (their
 * stream reads, decisions and appends) instead of each between two requests' HTTP work, which
 * took 12–22 % off register-lax's CPU on the event loop (docs/performance.md, session 25;
 * presumably SQLite's and the handlers' code and data stay in the CPU's caches). The reads of a
 * turn run together the same way (SqliteQueryStore).
 */
function endOfTurn(): Promise<void> {
  turnEnding ??= new Promise((resolve) =>
    setImmediate(() => {
      turnEnding = null;
      resolve();
    }),
  );
  return turnEnding;
}

/**
 * The registration commands (POST …/commands/<name>), every one of them the same shape, called
 * from Fastify's handler with the arguments Nest's router would pass: Nest's per-request router
 * work (execution contexts, a pipe chain per parameter, response handling) was a tenth of a
 * register-lax's time on the event loop. The controller stays the routes' definition (OpenAPI,
 * access rules) and the body is still validated by the global pipe with the parameter's class.
 * As in Nest, the status is the route's @HttpCode or 201 before the method runs (which may set
 * its own); the path parameter and the body are checked together, the first failure answering
 * (a body that is not an object fails before a bad id, an invalid object after it; a valid body
 * is recognised without the pipe, see valid-body-fast-path.ts); a valid command runs at the end
 * of its turn, with the others of the turn (endOfTurn); errors reach the problem filter through
 * the error handler Nest gives Fastify. Call before `app.init()`, and
 * the returned check after it.
 */
export function serveCommandsDirectly(app: INestApplication, fastify: FastifyInstance, bodyPipe: PipeTransform): () => void {
  const idPipe = new UuidParamPipe();
  const served = new Set<string>();
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const name = ROUTE.exec(route.url)?.[1];
    if (route.method !== 'POST' || name === undefined || !(name in METHODS)) return;
    const methodName = METHODS[name as keyof typeof METHODS];
    served.add(name);
    const controller = app.get(RegistrationCommandsController);
    const method = controller[methodName] as CommandMethod;
    const status = (Reflect.getMetadata(HTTP_CODE_METADATA, method) as number | undefined) ?? 201;
    const [, bodyType] = Reflect.getMetadata('design:paramtypes', RegistrationCommandsController.prototype, methodName) as Type[];
    const body: ArgumentMetadata = { type: 'body', metatype: bodyType, data: undefined };
    const validBody = validBodyFastPath(bodyType as new () => object);
    const viaNest = route.handler;
    route.handler = async function (this: FastifyInstance, request: CommandRequest, reply: FastifyReply) {
      const { registration } = request.params;
      // The empty segment Nest answers as not found keeps Nest's own path.
      if (registration === '') return viaNest.call(this, request, reply);
      const context = commandContextOf(request);
      void reply.code(status);
      const [id, valid] = await Promise.all([
        Promise.resolve(bodyPipe.transform(registration, PARAM)).then((value: string) => idPipe.transform(value, PARAM)),
        validBody(request.body) ?? bodyPipe.transform(request.body, body),
      ]);
      // A request refused by its shape is answered in its own turn; a valid one waits for the others.
      await endOfTurn();
      return reply.send(await method.call(controller, id, valid, context, reply));
    } as RouteHandlerMethod;
  });
  // Called after the routes are registered: a renamed route must not quietly lose its fast path.
  return () => {
    const missing = Object.keys(METHODS).filter((name) => !served.has(name));
    if (missing.length > 0) throw new Error(`No command route to serve directly for: ${missing.join(', ')}`);
  };
}
