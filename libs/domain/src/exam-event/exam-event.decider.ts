/**
 * The exam event aggregate, stream `examEvent-<id>` (ids are global across organizations).
 * Its number is assigned by the organization's exam schedule (see ../exam-schedule); this decider
 * only records it.
 */
import { type Decider, unknownEventType } from '../shared/decider.js';
import { DomainError, notFoundMessage } from '../shared/domain-error.js';
import { addMinutes, isStorableInZone, parseOffsetDateTime } from '../shared/time.js';
import type {
  AttachExamForm,
  CancelExamEvent,
  ExamEventCommand,
  ScheduleExamEvent,
  ScheduledVenue,
} from './exam-event.commands.js';
import type { ExamEventEvent, ExamEventSource, ExamEventStatus } from './exam-event.events.js';
import { examEventTitle } from './exam-event-title.js';
import { isExamFormat, isExamType } from './exam-values.js';

export const examEventStreamId = (eventId: string) => `examEvent-${eventId}`;

export type ExamEvent = {
  eventId: string;
  organization: string;
  number: number;
  venue: ScheduledVenue;
  /** UTC ISO instants. */
  start: string;
  end: string;
  durationMinutes: number;
  examType: string;
  format: string;
  billingCode: string;
  registrationLimit: number | null;
  source: ExamEventSource;
  title: string;
  status: ExamEventStatus;
  forms: readonly { id: string; title: string }[];
};

/** Null until the event is scheduled. */
export type ExamEventState = ExamEvent | null;

export const examEventDecider: Decider<ExamEventCommand, ExamEventState, ExamEventEvent> = {
  initialState: null,
  decide(command, state) {
    switch (command.type) {
      case 'ScheduleExamEvent':
        return schedule(command, state);
      case 'AttachExamForm':
        return attachForm(command, existing(state, command));
      case 'CancelExamEvent':
        return cancel(command, existing(state, command));
    }
  },
  evolve(state, event) {
    if (event.type === 'ExamScheduled') {
      const data = event.data;
      return {
        eventId: data.EventId,
        organization: data.Organization,
        number: data.Number,
        venue: { id: data.Venue, name: data.VenueName, timeZone: data.VenueTimeZone },
        start: data.Start,
        end: data.End,
        durationMinutes: data.DurationMinutes,
        examType: data.ExamType,
        format: data.Format,
        billingCode: data.BillingCode,
        registrationLimit: data.RegistrationLimit,
        source: data.Source,
        title: data.Title,
        status: data.Status,
        forms: [],
      };
    }
    if (state === null) return state;
    switch (event.type) {
      case 'ExamFormAttached':
        return { ...state, forms: [...state.forms, { id: event.data.FormId, title: event.data.FormTitle }] };
      case 'ExamEventRetitled':
        return { ...state, title: event.data.Title };
      case 'ExamEventCancelled':
        return { ...state, status: 'Cancelled' };
      default:
        return unknownEventType(event);
    }
  },
};

/** Checks in the order of spec §3 (POST /api/events); the first failure wins. */
function schedule(command: ScheduleExamEvent, state: ExamEventState): ExamEventEvent[] {
  if (state !== null) throw DomainError.conflict('Event already exists');

  const examType = specified(command.examType, 'EventExamType');
  if (!isExamType(examType)) throw DomainError.invalid('Invalid EventExamType value');
  const billingCode = specified(command.billingCode, 'EventBillingCode');
  const durationMinutes = command.billingCodeDurationMinutes;
  if (durationMinutes === null) throw DomainError.invalid('Invalid EventBillingCode value');
  const format = specified(command.format, 'EventExamFormat');
  if (!isExamFormat(format)) throw DomainError.invalid('Invalid EventExamFormat value');
  const start = parseOffsetDateTime(command.start);
  // The event's whole span must be storable: an end past 9999 (in UTC) would sort before every
  // other time. It must also lie within 9999 on the venue's clock (when the venue is known; else
  // 'Venue not found' follows): there, it is shown in the venue's offset and listed by local day.
  const zone = command.venue?.timeZone ?? 'UTC';
  if (
    start === null ||
    start.getTime() <= command.now.getTime() ||
    !isStorableInZone(start, zone) ||
    !isStorableInZone(addMinutes(start, durationMinutes), zone)
  ) {
    throw DomainError.invalid('Invalid EventStartTime value');
  }
  const venue = command.venue;
  if (venue === null) throw DomainError.invalid(notFoundMessage('Venue', command.venueId));
  checkRegistrationLimit(command.registrationLimit);

  return [
    {
      type: 'ExamScheduled',
      data: {
        EventId: command.eventId,
        Organization: command.organization,
        Number: command.number,
        Venue: venue.id,
        VenueName: venue.name,
        VenueTimeZone: venue.timeZone,
        Start: start.toISOString(),
        End: addMinutes(start, durationMinutes).toISOString(),
        DurationMinutes: durationMinutes,
        ExamType: examType,
        Format: format,
        BillingCode: billingCode,
        RegistrationLimit: command.registrationLimit,
        Source: command.source,
        Title: examEventTitle(venue.name, []),
        Status: 'Scheduled',
        ...(command.forRegistration !== undefined && { ForRegistration: command.forRegistration }),
      },
    },
  ];
}

function attachForm({ eventId, form }: AttachExamForm, event: ExamEvent): ExamEventEvent[] {
  if (event.forms.some((attached) => attached.id === form.id)) return [];
  const title = examEventTitle(event.venue.name, [...event.forms, form].map((attached) => attached.title));
  const attachedEvent: ExamEventEvent = {
    type: 'ExamFormAttached',
    data: { EventId: eventId, FormId: form.id, FormTitle: form.title },
  };
  if (title === event.title) return [attachedEvent];
  return [attachedEvent, { type: 'ExamEventRetitled', data: { EventId: eventId, Title: title } }];
}

function cancel(command: CancelExamEvent, event: ExamEvent): ExamEventEvent[] {
  if (event.status === 'Cancelled') {
    // The service's own clean-up may race another one; only a person is told it came too late.
    if (command.automatic) return [];
    throw DomainError.conflict('Exam event is already cancelled');
  }
  if (command.activeRegistrations > 0) {
    throw DomainError.conflict('The exam event cannot be cancelled because it contains active registrations');
  }
  return [
    {
      type: 'ExamEventCancelled',
      data: { EventId: command.eventId, Reason: command.reason, Automatic: command.automatic },
    },
  ];
}

/** Another organization's event is reported exactly like a missing one. */
function existing(state: ExamEventState, command: { eventId: string; organization: string }): ExamEvent {
  if (state === null || state.organization !== command.organization) {
    throw DomainError.notFound(notFoundMessage('Exam event', command.eventId));
  }
  return state;
}

/** "Not specified" means missing, null or blank. */
function specified(value: string | null | undefined, field: string): string {
  if (value === null || value === undefined || value.trim() === '') throw DomainError.invalid(`${field} not specified`);
  return value;
}

function checkRegistrationLimit(limit: number | null): void {
  if (limit !== null && !(Number.isInteger(limit) && limit >= 1)) {
    throw DomainError.invalid('Invalid RegistrationLimit value');
  }
}
