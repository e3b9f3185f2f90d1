import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { InvalidTokenError, Principal, Scope, verifyToken } from '../../../../libs/application/src/auth/tokens.js';
import { APP_CONFIG } from '../infrastructure/tokens.js';
import type { AppConfig } from '../../../../libs/application/src/config/app-config.js';

/** Metadata keys, also read by the OpenAPI document to mark anonymous endpoints and scopes. */
export const PUBLIC = 'booking:public';
export const SCOPE = 'booking:scope';

/** Anonymous endpoint (spec §1 lists them). */
export const Public = () => SetMetadata(PUBLIC, true);
/** The scope a token needs for this endpoint. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE, scope);

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** Every endpoint needs a valid bearer token unless marked @Public; a missing scope is 403. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('Missing bearer token');
    try {
      request.principal = await verifyToken(this.config.jwtSecret, match[1]);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthorizedException(error.message);
      throw error;
    }
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE, targets);
    if (scope && !request.principal.scopes.has(scope)) {
      throw new ForbiddenException(`This endpoint requires the ${scope} scope`);
    }
    return true;
  }
}

/** The authenticated caller (only on non-public endpoints). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedException('Missing bearer token');
  return principal;
});
