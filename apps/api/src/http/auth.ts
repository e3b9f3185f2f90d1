import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import {
  InvalidTokenError,
  Principal,
  rememberedPrincipal,
  Scope,
  verifyToken,
} from '../../../../libs/application/src/auth/tokens.js';

/** Metadata keys, read to protect each route (route-access.ts) and by the OpenAPI document. */
export const PUBLIC = 'booking:public';
export const SCOPE = 'booking:scope';

/** Anonymous endpoint (spec §1 lists them). */
export const Public = () => SetMetadata(PUBLIC, true);
/** The scope a token needs for this endpoint. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE, scope);

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * A 401 or 403 with the `WWW-Authenticate` challenge HTTP requires on a 401 (RFC 9110 §11.6.1),
 * in RFC 6750's bearer form: no error code when no token was sent, `invalid_token` for a bad one,
 * `insufficient_scope` with the scope needed.
 */
export class BearerChallenge extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
    readonly challenge: string,
  ) {
    super(message);
    this.name = 'BearerChallenge';
  }
}

const missingToken = () => new BearerChallenge(401, 'Missing bearer token', 'Bearer');
const invalidToken = (message: string) => new BearerChallenge(401, message, 'Bearer error="invalid_token"');
const insufficientScope = (scope: string) =>
  new BearerChallenge(403, `This endpoint requires the ${scope} scope`, `Bearer error="insufficient_scope", scope="${scope}"`);

/**
 * The onRequest hook of a non-public route: a valid bearer token is required (401), and the
 * route's scope when it has one (403), before the body is read. Its errors reach the problem
 * filter through the error handler Nest gives Fastify. A token verified before is answered
 * without an async hop.
 */
export function bearerAuth(secret: string, scope: string | undefined) {
  const admit = (request: AuthenticatedRequest, principal: Principal): Error | undefined => {
    request.principal = principal;
    return scope && !principal.scopes.has(scope) ? insufficientScope(scope) : undefined;
  };
  return (request: AuthenticatedRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) return done(missingToken());
    const token = match[1];
    const known = rememberedPrincipal(secret, token);
    if (known) return done(admit(request, known));
    verifyToken(secret, token).then(
      (principal) => done(admit(request, principal)),
      (error: unknown) => done(error instanceof InvalidTokenError ? invalidToken(error.message) : (error as Error)),
    );
  };
}

/** The authenticated caller (only on non-public endpoints). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw missingToken();
  return principal;
});
