import { createParamDecorator, ExecutionContext, ForbiddenException, SetMetadata, UnauthorizedException } from '@nestjs/common';
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
 * The preHandler hook of a non-public route: a valid bearer token is required (401), and the
 * route's scope when it has one (403). It runs after body parsing, as a Nest guard would, and its
 * errors reach the problem filter through the error handler Nest gives Fastify. A token verified
 * before is answered without an async hop.
 */
export function bearerAuth(secret: string, scope: string | undefined) {
  const admit = (request: AuthenticatedRequest, principal: Principal): Error | undefined => {
    request.principal = principal;
    return scope && !principal.scopes.has(scope) ? new ForbiddenException(`This endpoint requires the ${scope} scope`) : undefined;
  };
  return (request: AuthenticatedRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) return done(new UnauthorizedException('Missing bearer token'));
    const token = match[1];
    const known = rememberedPrincipal(secret, token);
    if (known) return done(admit(request, known));
    verifyToken(secret, token).then(
      (principal) => done(admit(request, principal)),
      (error: unknown) => done(error instanceof InvalidTokenError ? new UnauthorizedException(error.message) : (error as Error)),
    );
  };
}

/** The authenticated caller (only on non-public endpoints). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedException('Missing bearer token');
  return principal;
});
