import { applyDecorators, Body, Controller, Get, Injectable, Param, Put, Res, Type } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import {
  CatalogDefinition,
  DefineCatalogEntryCommand,
  DefineCatalogEntryResult,
} from '../../../../libs/application/src/catalog/define-catalog-entry.command.js';
import type { CommandContext } from '../../../../libs/application/src/event-sourcing/command-context.js';
import { CatalogKind, CatalogQueries, catalogView } from '../../../../libs/read-model/src/catalog/catalog.queries.js';
import { readAfterStoring } from '../../../../libs/read-model/src/read-gate.js';
import { DomainError, notFoundMessage } from '../../../../libs/domain/src/shared/domain-error.js';
import { trimmedOrNull } from '../http/free-text.js';
import { CurrentPrincipal, RequireScope } from '../http/auth.js';
import { CommandCtx } from '../http/request-context.js';
import { BillingCodeParamPipe, UuidParamPipe } from '../http/validation.js';
import { AnswersNotFound } from '../openapi/routes.js';
import { PutAssessmentFormBody, PutBillingCodeBody, PutLearnerBody, PutVenueBody } from './catalog.dto.js';
import { AssessmentFormView, BillingCodeView, LearnerView, VenueView } from './catalog.responses.js';

/** OpenAPI for the three endpoints every catalog resource has. */
function catalogDocs(what: string, view: Type, param: string, paramDescription: string, paramSchema: object) {
  const article = /^[aeiou]/.test(what) ? 'an' : 'a';
  const idParam = ApiParam({ name: param, description: paramDescription, schema: paramSchema });
  return {
    put: applyDecorators(
      ApiOperation({ summary: `Create or replace ${article} ${what} (idempotent)` }),
      AnswersNotFound(false),
      idParam,
      ApiCreatedResponse({ type: view, description: 'Created' }),
      ApiOkResponse({ type: view, description: 'Replaced (identical content appends nothing)' }),
    ),
    get: applyDecorators(ApiOperation({ summary: `Get ${article} ${what}` }), idParam, ApiOkResponse({ type: view })),
    list: applyDecorators(ApiOperation({ summary: `List the organization's ${what}s` }), ApiOkResponse({ type: view, isArray: true })),
  };
}

const uuidParam = (what: string) => `${what} id (UUID; upper case accepted, returned lower case)`;
const UUID_SCHEMA = { type: 'string', format: 'uuid' };
const venueDocs = catalogDocs('venue', VenueView, 'venue', uuidParam('Venue'), UUID_SCHEMA);
const learnerDocs = catalogDocs('learner', LearnerView, 'learner', uuidParam('Learner'), UUID_SCHEMA);
const formDocs = catalogDocs('assessment form', AssessmentFormView, 'form', uuidParam('Assessment form'), UUID_SCHEMA);
const billingCodeDocs = catalogDocs('billing code', BillingCodeView, 'code', 'Billing code: free text, case-sensitive (URL-encode it)', {
  type: 'string',
  minLength: 1,
  maxLength: 100,
});

const orNull = <T>(value: T | null | undefined): T | null => (value === undefined ? null : value);

/** Shared by the four catalog controllers: define (PUT) and read back what is stored. */
@Injectable() // gives the subclasses the constructor's injection metadata
abstract class CatalogController {
  protected abstract readonly kind: CatalogKind;
  /** What a 404 says is missing (`Venue not found: <id>`). */
  protected abstract readonly entryName: string;

  constructor(
    protected readonly commandBus: CommandBus,
    protected readonly queries: CatalogQueries,
  ) {}

  protected async define(entry: CatalogDefinition, id: string, context: CommandContext, reply: FastifyReply) {
    const result = await this.commandBus.execute<DefineCatalogEntryCommand, DefineCatalogEntryResult>(
      new DefineCatalogEntryCommand(entry, context),
    );
    void reply.status(result.created ? 201 : 200);
    return readAfterStoring(this.read(context.organization, id));
  }

  protected async read(organization: string, id: string) {
    const doc = await this.queries.get(this.kind, organization, id);
    if (!doc) throw DomainError.notFound(notFoundMessage(this.entryName, id));
    return catalogView(doc);
  }

  protected async readAll(organization: string) {
    return (await this.queries.list(this.kind, organization)).map(catalogView);
  }
}

@ApiTags('venues')
@Controller('api/venues')
export class VenuesController extends CatalogController {
  protected readonly kind = 'venues';
  protected readonly entryName = 'Venue';

  @Put(':venue')
  @venueDocs.put
  @RequireScope('catalog:write')
  put(
    @Param('venue', UuidParamPipe) venue: string,
    @Body() body: PutVenueBody,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const address = body.Address
      ? {
          Street: trimmedOrNull(body.Address.Street),
          City: trimmedOrNull(body.Address.City),
          Province: trimmedOrNull(body.Address.Province),
          PostalCode: trimmedOrNull(body.Address.PostalCode),
          Country: trimmedOrNull(body.Address.Country),
        }
      : null;
    const definition = {
      Organization: context.organization,
      VenueId: venue,
      Name: body.Name.trim(),
      TimeZone: trimmedOrNull(body.TimeZone) ?? 'UTC',
      Address: address,
    };
    return this.define({ kind: 'venue', definition }, venue, context, reply);
  }

  @Get(':venue')
  @venueDocs.get
  @RequireScope('booking:read')
  get(@Param('venue', UuidParamPipe) venue: string, @CurrentPrincipal() principal: Principal) {
    return this.read(principal.organization, venue);
  }

  @Get()
  @venueDocs.list
  @RequireScope('booking:read')
  list(@CurrentPrincipal() principal: Principal) {
    return this.readAll(principal.organization);
  }
}

@ApiTags('learners')
@Controller('api/learners')
export class LearnersController extends CatalogController {
  protected readonly kind = 'learners';
  protected readonly entryName = 'Learner';

  @Put(':learner')
  @learnerDocs.put
  @RequireScope('catalog:write')
  put(
    @Param('learner', UuidParamPipe) learner: string,
    @Body() body: PutLearnerBody,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const definition = {
      Organization: context.organization,
      LearnerId: learner,
      Name: body.Name.trim(),
      Email: trimmedOrNull(body.Email),
      Code: trimmedOrNull(body.Code),
    };
    return this.define({ kind: 'learner', definition }, learner, context, reply);
  }

  @Get(':learner')
  @learnerDocs.get
  @RequireScope('booking:read')
  get(@Param('learner', UuidParamPipe) learner: string, @CurrentPrincipal() principal: Principal) {
    return this.read(principal.organization, learner);
  }

  @Get()
  @learnerDocs.list
  @RequireScope('booking:read')
  list(@CurrentPrincipal() principal: Principal) {
    return this.readAll(principal.organization);
  }
}

@ApiTags('assessment-forms')
@Controller('api/assessment-forms')
export class AssessmentFormsController extends CatalogController {
  protected readonly kind = 'assessmentForms';
  protected readonly entryName = 'Assessment form';

  @Put(':form')
  @formDocs.put
  @RequireScope('catalog:write')
  put(
    @Param('form', UuidParamPipe) form: string,
    @Body() body: PutAssessmentFormBody,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const definition = {
      Organization: context.organization,
      FormId: form,
      Code: body.Code.trim(),
      Name: trimmedOrNull(body.Name),
      Title: trimmedOrNull(body.Title),
      Status: orNull(body.Status),
      Asset: orNull(body.Asset),
      TimeLimit: orNull(body.TimeLimit),
    };
    return this.define({ kind: 'assessmentForm', definition }, form, context, reply);
  }

  @Get(':form')
  @formDocs.get
  @RequireScope('booking:read')
  get(@Param('form', UuidParamPipe) form: string, @CurrentPrincipal() principal: Principal) {
    return this.read(principal.organization, form);
  }

  @Get()
  @formDocs.list
  @RequireScope('booking:read')
  list(@CurrentPrincipal() principal: Principal) {
    return this.readAll(principal.organization);
  }
}

@ApiTags('billing-codes')
@Controller('api/billing-codes')
export class BillingCodesController extends CatalogController {
  protected readonly kind = 'billingCodes';
  protected readonly entryName = 'Billing code';

  @Put(':code')
  @billingCodeDocs.put
  @ApiBody({ type: PutBillingCodeBody, required: false })
  @RequireScope('catalog:write')
  put(
    @Param('code', BillingCodeParamPipe) code: string,
    @Body() body: PutBillingCodeBody,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const definition = { Organization: context.organization, Code: code, Duration: orNull(body.Duration) };
    return this.define({ kind: 'billingCode', definition }, code, context, reply);
  }

  @Get(':code')
  @billingCodeDocs.get
  @RequireScope('booking:read')
  get(@Param('code', BillingCodeParamPipe) code: string, @CurrentPrincipal() principal: Principal) {
    return this.read(principal.organization, code);
  }

  @Get()
  @billingCodeDocs.list
  @RequireScope('booking:read')
  list(@CurrentPrincipal() principal: Principal) {
    return this.readAll(principal.organization);
  }
}
