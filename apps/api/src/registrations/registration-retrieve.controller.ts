import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RegistrationAsOf } from '../../../../libs/application/src/audit/registration-as-of.js';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import { DomainError, notFoundMessage } from '../../../../libs/domain/src/shared/domain-error.js';
import { RegistrationQueries } from '../../../../libs/read-model/src/registrations/registrations.queries.js';
import { AsOfPipe } from '../audit/as-of.pipe.js';
import { CurrentPrincipal, RequireScope } from '../http/auth.js';
import { UuidParamPipe } from '../http/validation.js';
import { EXAMPLE, RegistrationDetailView } from './registrations.dto.js';

/** GET /api/registrations/{registration} (spec §5): every field, from the registrations read model. */
@Controller('api/registrations')
export class RegistrationRetrieveController {
  constructor(
    private readonly queries: RegistrationQueries,
    private readonly history: RegistrationAsOf,
  ) {}

  @Get(':registration')
  @ApiOperation({
    summary: 'Get a registration',
    description:
      '404 `Registration not found` (also once deleted). Learner, form and event data show their current values; with ' +
      '`asOf`, the registration as it was at that instant, folded from the stored events.',
  })
  @ApiParam({ name: 'registration', description: 'Registration id (UUID; upper case accepted, returned lower case)', schema: { type: 'string', format: 'uuid' }, example: EXAMPLE.registration })
  @ApiQuery({
    name: 'asOf',
    required: false,
    type: String,
    format: 'date-time',
    example: EXAMPLE.lastChange,
    description: 'Optional ISO 8601 time with an offset: show the registration as it was then (auditing)',
  })
  @ApiOkResponse({ type: RegistrationDetailView })
  @RequireScope('booking:read')
  async retrieve(
    @Param('registration', UuidParamPipe) registration: string,
    @CurrentPrincipal() principal: Principal,
    @Query('asOf', AsOfPipe) asOf: Date | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // Time travel (auditing): folded from the event streams, not read from the read model.
    if (asOf) return this.history.retrieve(principal.organization, registration, asOf);
    const found = await this.queries.retrieve(principal.organization, registration);
    if (found === null) throw DomainError.notFound(notFoundMessage('Registration', registration));
    // Stored JSON text, sent as it is.
    void reply.type('application/json; charset=utf-8');
    return found;
  }
}
