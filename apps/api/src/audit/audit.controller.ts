import { Controller, Get, Param } from '@nestjs/common';
import { AuditHistory, type HistoryEntry } from '../../../../libs/application/src/audit/audit-history.js';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import { CurrentPrincipal, RequireScope } from '../http/auth.js';
import { UuidParamPipe } from '../http/validation.js';

/** History endpoints for auditors: the stored domain events of one aggregate, in order. */
@Controller('api')
export class AuditHistoryController {
  constructor(private readonly history: AuditHistory) {}

  @Get('registrations/:registration/history')
  @RequireScope('audit:read')
  registration(
    @Param('registration', UuidParamPipe) registration: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HistoryEntry[]> {
    return this.history.registration(principal.organization, registration);
  }

  @Get('events/:event/history')
  @RequireScope('audit:read')
  examEvent(@Param('event', UuidParamPipe) event: string, @CurrentPrincipal() principal: Principal): Promise<HistoryEntry[]> {
    return this.history.examEvent(principal.organization, event);
  }
}
