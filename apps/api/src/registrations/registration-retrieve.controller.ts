import { Controller, Get, Param, Query } from '@nestjs/common';
import { RegistrationAsOf } from '../../../../libs/application/src/audit/registration-as-of.js';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import { DomainError } from '../../../../libs/domain/src/shared/domain-error.js';
import { RegistrationQueries } from '../../../../libs/read-model/src/registrations/registrations.queries.js';
import { AsOfPipe } from '../audit/as-of.pipe.js';
import { CurrentPrincipal, RequireScope } from '../http/auth.js';
import { UuidParamPipe } from '../http/validation.js';

/** GET /api/registrations/{registration} (spec §5): every field, from the registrations read model. */
@Controller('api/registrations')
export class RegistrationRetrieveController {
  constructor(
    private readonly queries: RegistrationQueries,
    private readonly history: RegistrationAsOf,
  ) {}

  @Get(':registration')
  @RequireScope('booking:read')
  async retrieve(
    @Param('registration', UuidParamPipe) registration: string,
    @CurrentPrincipal() principal: Principal,
    @Query('asOf', AsOfPipe) asOf: Date | undefined,
  ) {
    // Time travel (auditing): folded from the event streams, not read from the read model.
    if (asOf) return this.history.retrieve(principal.organization, registration, asOf);
    const found = await this.queries.retrieve(principal.organization, registration);
    if (found === null) throw DomainError.notFound(`Registration not found: ${registration}`);
    return found;
  }
}
