import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProperty } from '@nestjs/swagger';
import { AuditHistory, type HistoryEntry } from '../../../../libs/application/src/audit/audit-history.js';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import { CurrentPrincipal, RequireScope } from '../http/auth.js';
import { BillingCodeParamPipe, UuidParamPipe } from '../http/validation.js';

/** One stored domain event as the history endpoints show it (for the OpenAPI document). */
class HistoryEntryView {
  @ApiProperty({ type: String, example: '1042', description: 'Position in the whole log (a decimal string: it may exceed 2⁵³)' }) Position!: string;
  @ApiProperty({ type: String, example: '3', description: 'Revision in its stream, from 0 (a decimal string)' }) Revision!: string;
  @ApiProperty({ type: String, example: 'AccommodationGranted', description: 'The domain event’s name' }) Type!: string;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-03-01T17:00:00.000Z', description: 'When it happened (the request that decided it arrived), UTC' })
  Time!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
    description:
      'Only for a completion written on another request’s behalf (whose actor, request id and time it carries: docs/auditing.md): when it was written, UTC; otherwise null',
  })
  CompletedAt!: string | null;
  @ApiProperty({ type: String, example: 'alice', description: 'The `sub` of the token that caused it' }) Actor!: string;
  @ApiProperty({ type: String, example: 'f3b0c442-98fc-4c14-9a4b-2f0a1b6e8f11', description: 'The `X-Request-Id` of the request that caused it' })
  CorrelationId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'f3b0c442-98fc-4c14-9a4b-2f0a1b6e8f11', description: 'What caused it: the request id of its command' })
  CausationId!: string | null;
  @ApiProperty({ type: Number, example: 1, description: 'The schema version of `Data` as shown (an older stored version is lifted by its upcaster)' })
  SchemaVersion!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '9f2c0d5e6b1a4c3f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817',
    description: 'The SHA-256 stored with the event, chained to its stream’s previous event (docs/auditing.md); computed over the event as stored, which `events export` gives',
  })
  Hash!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { Type: 'Extra time', TimeExtension: 30 }, description: 'The event’s data, upcast to its current version' })
  Data!: Record<string, unknown>;
}

const idParam = (name: string, what: string) =>
  ApiParam({ name, schema: { type: 'string', format: 'uuid' }, description: `${what} id (UUID; upper case accepted)` });
const historyResponse = ApiOkResponse({ type: HistoryEntryView, isArray: true, description: 'The stored domain events, oldest first' });

/** History endpoints for auditors: the stored domain events of one aggregate (or catalog entry), in order. */
@Controller('api')
export class AuditHistoryController {
  constructor(private readonly history: AuditHistory) {}

  @Get('registrations/:registration/history')
  @RequireScope('audit:read')
  @ApiOperation({ summary: 'A registration’s history (deleted ones too)' })
  @idParam('registration', 'Registration')
  @historyResponse
  registration(
    @Param('registration', UuidParamPipe) registration: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HistoryEntry[]> {
    return this.history.registration(principal.organization, registration);
  }

  @Get('events/:event/history')
  @RequireScope('audit:read')
  @ApiOperation({ summary: 'An exam event’s history' })
  @idParam('event', 'Exam event')
  @historyResponse
  examEvent(@Param('event', UuidParamPipe) event: string, @CurrentPrincipal() principal: Principal): Promise<HistoryEntry[]> {
    return this.history.examEvent(principal.organization, event);
  }

  @Get('venues/:venue/history')
  @RequireScope('audit:read')
  @ApiOperation({ summary: 'A venue’s history: every definition, who made it and when' })
  @idParam('venue', 'Venue')
  @historyResponse
  venue(@Param('venue', UuidParamPipe) venue: string, @CurrentPrincipal() principal: Principal): Promise<HistoryEntry[]> {
    return this.history.catalogEntry(principal.organization, 'venue', venue);
  }

  @Get('learners/:learner/history')
  @RequireScope('audit:read')
  @ApiOperation({ summary: 'A learner’s history: every definition, who made it and when' })
  @idParam('learner', 'Learner')
  @historyResponse
  learner(@Param('learner', UuidParamPipe) learner: string, @CurrentPrincipal() principal: Principal): Promise<HistoryEntry[]> {
    return this.history.catalogEntry(principal.organization, 'learner', learner);
  }

  @Get('assessment-forms/:form/history')
  @RequireScope('audit:read')
  @ApiOperation({ summary: 'An assessment form’s history: every definition, who made it and when' })
  @idParam('form', 'Assessment form')
  @historyResponse
  assessmentForm(@Param('form', UuidParamPipe) form: string, @CurrentPrincipal() principal: Principal): Promise<HistoryEntry[]> {
    return this.history.catalogEntry(principal.organization, 'assessmentForm', form);
  }

  @Get('billing-codes/:code/history')
  @RequireScope('audit:read')
  @ApiOperation({ summary: 'A billing code’s history: every definition, who made it and when' })
  @ApiParam({ name: 'code', description: 'Billing code: free text, case-sensitive (URL-encode it)', schema: { type: 'string', minLength: 1, maxLength: 100 } })
  @historyResponse
  billingCode(@Param('code', BillingCodeParamPipe) code: string, @CurrentPrincipal() principal: Principal): Promise<HistoryEntry[]> {
    return this.history.catalogEntry(principal.organization, 'billingCode', code);
  }
}
