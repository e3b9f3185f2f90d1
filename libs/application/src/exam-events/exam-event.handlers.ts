import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ExamEventQueries } from '../../../read-model/src/exam-events/exam-events.queries.js';
import { ReadYourWrites } from '../read-your-writes.js';
import { CancelExamEventCommand, ScheduleExamEventCommand } from './exam-event.commands.js';
import { EventSourcedExamEventScheduler } from './event-sourced-exam-event-scheduler.js';

@CommandHandler(ScheduleExamEventCommand)
export class ScheduleExamEventHandler implements ICommandHandler<ScheduleExamEventCommand, void> {
  constructor(
    private readonly scheduler: EventSourcedExamEventScheduler,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async execute({ request, context }: ScheduleExamEventCommand): Promise<void> {
    const scheduled = await this.scheduler.schedule(context, request);
    await this.readYourWrites.waitFor(scheduled.position, context.organization);
  }
}

@CommandHandler(CancelExamEventCommand)
export class CancelExamEventHandler implements ICommandHandler<CancelExamEventCommand, void> {
  constructor(
    private readonly scheduler: EventSourcedExamEventScheduler,
    private readonly queries: ExamEventQueries,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  async execute({ eventId, reason, context }: CancelExamEventCommand): Promise<void> {
    // Held alone: registrations that decided on the event have stored theirs (read-your-writes
    // then has the count see them), later ones wait and then find it cancelled (ExamEventHolds).
    const release = await this.scheduler.holdForCancelling(eventId);
    let position: bigint | null;
    try {
      const activeRegistrations = await this.queries.activeRegistrations(eventId);
      position = await this.scheduler.cancel(context, eventId, { reason, automatic: false, activeRegistrations });
    } finally {
      release();
    }
    await this.readYourWrites.waitFor(position, context.organization);
  }
}
