import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import type { CommandContext } from '../../../../libs/application/src/event-sourcing/command-context.js';

/** The command context of an authenticated request: tenant, actor, request id and the time now. */
export function commandContextOf(request: FastifyRequest & { principal: Principal }): CommandContext {
  return {
    organization: request.principal.organization,
    actor: request.principal.actor,
    correlationId: String(request.id),
    now: new Date(),
  };
}

/** `commandContextOf` as a Nest route parameter. */
export const CommandCtx = createParamDecorator((_data: unknown, context: ExecutionContext): CommandContext =>
  commandContextOf(context.switchToHttp().getRequest<FastifyRequest & { principal: Principal }>()),
);
