import type { CommandContext } from '../event-sourcing/command-context.js';
import type { ScheduleRequest } from './event-sourced-exam-event-scheduler.js';

/** POST /api/events/{event}. */
export class ScheduleExamEventCommand {
  constructor(
    readonly request: ScheduleRequest,
    readonly context: CommandContext,
  ) {}
}

/** POST /api/events/{event}/cancel. */
export class CancelExamEventCommand {
  constructor(
    readonly eventId: string,
    readonly reason: string | null,
    readonly context: CommandContext,
  ) {}
}
