import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import type { CommandContext } from '../../../../libs/application/src/event-sourcing/command-context.js';
import {
  CancelExamEventCommand,
  ScheduleExamEventCommand,
} from '../../../../libs/application/src/exam-events/exam-event.commands.js';
import { DomainError, notFoundMessage } from '../../../../libs/domain/src/shared/domain-error.js';
import { type LocalPeriod, parseLocalPeriod } from '../../../../libs/domain/src/shared/time.js';
import { ExamEventQueries } from '../../../../libs/read-model/src/exam-events/exam-events.queries.js';
import { readAfterStoring } from '../../../../libs/read-model/src/read-gate.js';
import { trimmedOrNull } from '../http/free-text.js';
import { CurrentPrincipal, Public, RequireScope } from '../http/auth.js';
import { RequestValidationError } from '../http/problem-details.js';
import { CommandCtx } from '../http/request-context.js';
import { UuidParamPipe } from '../http/validation.js';
import { ApiConflictResponse } from '../openapi/conflict-response.js';
import { AnswersNotFound } from '../openapi/routes.js';
import { CancelExamEventBody, ClassView, EXAMPLE, ExamEventCreatedView, ExamEventView, ScheduleExamEventBody } from './exam-events.dto.js';
import { renderScrapPaper } from './scrap-paper.pdf.js';

const orNull = <T>(value: T | null | undefined): T | null => (value === undefined ? null : value);

function period(date: unknown): LocalPeriod {
  const parsed = typeof date === 'string' ? parseLocalPeriod(date) : null;
  if (parsed === null) throw new RequestValidationError([{ field: 'date', message: 'must be a date YYYY-MM-DD or a month YYYY-MM' }]);
  return parsed;
}

const eventParam = ApiParam({
  name: 'event',
  description: 'Exam event id (UUID; upper case accepted, returned lower case)',
  schema: { type: 'string', format: 'uuid' },
  example: EXAMPLE.event,
});

@Controller('api/events')
export class ExamEventsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queries: ExamEventQueries,
  ) {}

  @Get('list-events')
  @ApiOperation({
    summary: 'List the organization’s exam events of a day or a month',
    description:
      'Events whose [start, end] overlaps the day or month in their venue’s time zone, cancelled ones included, ' +
      'ordered by start then number.',
  })
  @ApiQuery({
    name: 'date',
    required: true,
    type: String,
    pattern: '^\\d{4}-\\d{2}(-\\d{2})?$',
    example: '2027-03-01',
    description: '`YYYY-MM-DD` (events overlapping that day) or `YYYY-MM` (that month); missing or malformed → 400',
  })
  @ApiOkResponse({ type: ExamEventView, isArray: true })
  @RequireScope('booking:read')
  listEvents(@Query('date') date: unknown, @CurrentPrincipal() principal: Principal) {
    return this.queries.listEvents(principal.organization, period(date));
  }

  @Get('classes')
  @ApiOperation({
    summary: 'Upcoming classes of an organization (anonymous)',
    description: 'Non-cancelled events of the organization that start in the future, soonest first. Unknown organization → `[]`.',
  })
  @ApiQuery({ name: 'organization', required: true, type: String, format: 'uuid', example: EXAMPLE.organization, description: 'Organization id (UUID)' })
  @ApiOkResponse({ type: ClassView, isArray: true })
  @Public()
  classes(@Query('organization', UuidParamPipe) organization: string) {
    return this.queries.classes(organization, new Date());
  }

  @Get('scrap-paper')
  @AnswersNotFound(true)
  @ApiOperation({
    summary: 'Scrap paper of an exam event (PDF)',
    description:
      'One page per active, eligible registration, ordered by learner name, with the event title and start, the ' +
      'learner’s name and code and the registration’s passcode; a one-page PDF saying so when there is none.',
  })
  @ApiQuery({ name: 'id', required: true, type: String, format: 'uuid', example: EXAMPLE.event, description: 'Exam event id (UUID); unknown → 404 `Exam event not found`' })
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'The scrap paper', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } })
  @RequireScope('booking:read')
  async scrapPaper(
    @Query('id', UuidParamPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const event = await this.queries.get(principal.organization, id);
    if (!event) throw DomainError.notFound(notFoundMessage('Exam event', id));
    const sheets = await this.queries.scrapPaperSheets(principal.organization, id);
    const pdf = await renderScrapPaper({ title: event.EventTitle, start: event.EventStart }, sheets);
    void reply.status(200).header('Content-Type', 'application/pdf').send(pdf);
  }

  @Get(':event')
  @AnswersNotFound(true)
  @ApiOperation({
    summary: 'One exam event',
    description:
      'The event as `list-events` shows it, cancelled or not, with its current title, start and active registrations. ' +
      'Unknown (or another organization’s) → 404 `Exam event not found`.',
  })
  @eventParam
  @ApiOkResponse({ type: ExamEventView })
  @RequireScope('booking:read')
  async retrieve(@Param('event', UuidParamPipe) event: string, @CurrentPrincipal() principal: Principal) {
    const found = await this.queries.get(principal.organization, event);
    if (!found) throw DomainError.notFound(notFoundMessage('Exam event', event));
    return found;
  }

  @Post(':event')
  @AnswersNotFound(false)
  @HttpCode(201)
  @ApiOperation({
    summary: 'Schedule an exam event',
    description:
      'Checks in this order, the first failure wins: event id already used (any organization) → 409 `Event already exists`; ' +
      '`EventExamType not specified` / `Invalid EventExamType value`; `EventBillingCode not specified` / ' +
      '`Invalid EventBillingCode value`; `EventExamFormat not specified` / `Invalid EventExamFormat value`; ' +
      '`Invalid EventStartTime value` (missing, unparsable or not in the future); `Venue not found` (all 400). ' +
      'The event gets the next number of the organization, status `Scheduled`, the billing code’s duration and the title ' +
      '`<venue name> / No Exam`.',
  })
  @eventParam
  @ApiBody({ type: ScheduleExamEventBody })
  @ApiCreatedResponse({ type: ExamEventCreatedView, description: 'Scheduled' })
  @ApiConflictResponse('Event already exists')
  @RequireScope('booking:write')
  async schedule(
    @Param('event', UuidParamPipe) event: string,
    @Body() body: ScheduleExamEventBody,
    @CommandCtx() context: CommandContext,
  ) {
    const request = {
      eventId: event,
      venueId: orNull(body.EventVenue)?.toLowerCase() ?? null,
      start: orNull(body.EventStart),
      examType: orNull(body.EventExamType),
      format: orNull(body.EventExamFormat),
      billingCode: orNull(body.EventBillingCode),
      registrationLimit: orNull(body.RegistrationLimit),
    };
    await this.commandBus.execute(new ScheduleExamEventCommand(request, context));
    return { Exam: event };
  }

  @Post(':event/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel an exam event',
    description:
      '404 `Exam event not found`; 409 `Exam event is already cancelled`; 409 `The exam event cannot be cancelled because ' +
      'it contains active registrations`. A cancelled event frees its venue and start. The body may be omitted.',
  })
  @eventParam
  @ApiBody({ type: CancelExamEventBody, required: false })
  @ApiOkResponse({ type: ExamEventView, description: 'Cancelled: the event as list-events shows it' })
  @ApiConflictResponse('Exam event is already cancelled', 'The exam event cannot be cancelled because it contains active registrations')
  @RequireScope('booking:write')
  async cancel(
    @Param('event', UuidParamPipe) event: string,
    @Body() body: CancelExamEventBody,
    @CommandCtx() context: CommandContext,
  ) {
    await this.commandBus.execute(new CancelExamEventCommand(event, trimmedOrNull(body.Reason), context));
    const cancelled = await readAfterStoring(this.queries.get(context.organization, event));
    if (!cancelled) throw DomainError.notFound(notFoundMessage('Exam event', event));
    return cancelled;
  }
}
