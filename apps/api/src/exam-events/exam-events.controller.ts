import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';
import type { CommandContext } from '../../../../libs/application/src/event-sourcing/command-context.js';
import {
  CancelExamEventCommand,
  ScheduleExamEventCommand,
} from '../../../../libs/application/src/exam-events/exam-event.commands.js';
import { DomainError } from '../../../../libs/domain/src/shared/domain-error.js';
import { type LocalPeriod, parseLocalPeriod } from '../../../../libs/domain/src/shared/time.js';
import { ExamEventQueries } from '../../../../libs/read-model/src/exam-events/exam-events.queries.js';
import { CurrentPrincipal, Public, RequireScope } from '../http/auth.js';
import { RequestValidationError } from '../http/problem-details.js';
import { CommandCtx } from '../http/request-context.js';
import { UuidParamPipe } from '../http/validation.js';
import { CancelExamEventBody, ScheduleExamEventBody } from './exam-events.dto.js';
import { renderScrapPaper } from './scrap-paper.pdf.js';

const orNull = <T>(value: T | null | undefined): T | null => (value === undefined ? null : value);
const blankToNull = (value: string | null | undefined): string | null =>
  value === undefined || value === null || value.trim() === '' ? null : value;

function period(date: unknown): LocalPeriod {
  const parsed = typeof date === 'string' ? parseLocalPeriod(date) : null;
  if (parsed === null) throw new RequestValidationError([{ field: 'date', message: 'must be a date YYYY-MM-DD or a month YYYY-MM' }]);
  return parsed;
}

@Controller('api/events')
export class ExamEventsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queries: ExamEventQueries,
  ) {}

  @Get('list-events')
  @RequireScope('booking:read')
  listEvents(@Query('date') date: unknown, @CurrentPrincipal() principal: Principal) {
    return this.queries.listEvents(principal.organization, period(date));
  }

  @Get('classes')
  @Public()
  classes(@Query('organization', UuidParamPipe) organization: string) {
    return this.queries.classes(organization, new Date());
  }

  @Get('scrap-paper')
  @RequireScope('booking:read')
  async scrapPaper(
    @Query('id', UuidParamPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const event = await this.queries.get(principal.organization, id);
    if (!event) throw DomainError.notFound('Exam event not found');
    const sheets = await this.queries.scrapPaperSheets(principal.organization, id);
    const pdf = await renderScrapPaper({ title: event.EventTitle, start: event.EventStart }, sheets);
    void reply.status(200).header('Content-Type', 'application/pdf').send(pdf);
  }

  @Post(':event')
  @HttpCode(201)
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
  @RequireScope('booking:write')
  async cancel(
    @Param('event', UuidParamPipe) event: string,
    @Body() body: CancelExamEventBody,
    @CommandCtx() context: CommandContext,
  ) {
    await this.commandBus.execute(new CancelExamEventCommand(event, blankToNull(body.Reason), context));
    const cancelled = await this.queries.get(context.organization, event);
    if (!cancelled) throw DomainError.notFound('Exam event not found');
    return cancelled;
  }
}
