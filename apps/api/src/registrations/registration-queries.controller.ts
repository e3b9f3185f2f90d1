import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import { parseWindowBound } from '../../../../libs/domain/src/shared/time.js';
import type { QueryStore } from '../../../../libs/read-model/src/read-store.js';
import {
  type RegistrationCriteria,
  RegistrationSearch,
} from '../../../../libs/read-model/src/registrations/registration-search.js';
import { CurrentPrincipal, RequireScope } from '../http/auth.js';
import { READ_STORE } from '../infrastructure/tokens.js';
import { DEFAULT_TAKE, RegistrationCriteriaBody, SearchRegistrationsBody } from './registration-queries.dto.js';
import { RegistrationRowView } from './registrations.dto.js';

/** "Not specified" (spec §1): missing, null or blank criteria set no condition. */
const specified = (text: string | null | undefined): string | undefined =>
  text === undefined || text === null || text.trim() === '' ? undefined : text;

/** Shape-validated already: a specified bound is a valid time. */
const windowBound = (text: string | null | undefined) => {
  const bound = specified(text);
  return bound === undefined ? undefined : parseWindowBound(bound)!;
};

function criteriaOf(body: RegistrationCriteriaBody, organization: string): RegistrationCriteria {
  return {
    organization,
    name: specified(body.Name),
    email: specified(body.Email),
    code: specified(body.Code),
    since: windowBound(body.LastChangeTimeSince),
    before: windowBound(body.LastChangeTimeBefore),
  };
}

/** Registration search and count (spec §5), for interactive clients and reporting tools alike. */
@Controller('api/registrations')
export class RegistrationQueriesController {
  private readonly registrations: RegistrationSearch;

  constructor(@Inject(READ_STORE) readStore: QueryStore) {
    this.registrations = new RegistrationSearch(readStore);
  }

  @Post('search')
  @HttpCode(200)
  @RequireScope('booking:read')
  @ApiOperation({ summary: 'Search registrations', description: 'Criteria are AND-ed. Ordered by LastChangeTime descending, then RegistrationIdentifier ascending. Deleted registrations never appear; cancelled ones do.' })
  @ApiBody({ type: SearchRegistrationsBody, required: false })
  @ApiOkResponse({
    type: RegistrationRowView,
    isArray: true,
    description: 'One page of rows',
    headers: { 'X-Total-Count': { description: 'Rows matching the criteria, all pages together', schema: { type: 'integer', example: 3 } } },
  })
  async search(
    @Body() body: SearchRegistrationsBody,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = { skip: body.Skip ?? 0, take: body.Take ?? DEFAULT_TAKE };
    const result = await this.registrations.search(criteriaOf(body, principal.organization), page);
    void reply.header('X-Total-Count', String(result.total)).type('application/json; charset=utf-8');
    // Already JSON: sent as it is.
    return result.rowsJson;
  }

  @Post('count')
  @HttpCode(200)
  @RequireScope('booking:read')
  @ApiOperation({ summary: 'Count registrations', description: 'The same criteria as search; a bare JSON integer.' })
  @ApiBody({ type: RegistrationCriteriaBody, required: false })
  @ApiOkResponse({ description: 'How many registrations match', schema: { type: 'integer', minimum: 0, example: 3 } })
  count(@Body() body: RegistrationCriteriaBody, @CurrentPrincipal() principal: Principal) {
    return this.registrations.count(criteriaOf(body, principal.organization));
  }
}
