import type { ExamEventSource } from './exam-event.events.js';

/** What the caller found in its organization's catalog for the requested venue. */
export type ScheduledVenue = { id: string; name: string; timeZone: string };

/**
 * Schedule a new exam event. Request fields are passed as received (checked here, in the spec's
 * order); catalog lookups are passed as their results: `venue` null when the organization has no
 * such venue, `billingCodeDurationMinutes` null when it has no such billing code.
 */
export type ScheduleExamEvent = {
  type: 'ScheduleExamEvent';
  eventId: string;
  organization: string;
  /** The next number of the organization's sequence, read from its exam schedule. */
  number: number;
  /** The venue the request named (null: none), and what the catalog has for it. */
  venueId: string | null;
  venue: ScheduledVenue | null;
  /** ISO 8601 with an offset. */
  start?: string | null;
  examType?: string | null;
  format?: string | null;
  billingCode?: string | null;
  /** The catalog's exam duration for `billingCode` (the catalog applies its `(Nh)` rule). */
  billingCodeDurationMinutes: number | null;
  /** Null: unlimited. */
  registrationLimit: number | null;
  now: Date;
  source: ExamEventSource;
  /** The registration an Individual event is created for (register-lax, transfer-lax). */
  forRegistration?: string;
};

/** Attach an assessment form (when a registration is made or moved onto the event, or its form changes). */
export type AttachExamForm = {
  type: 'AttachExamForm';
  eventId: string;
  organization: string;
  /** `title`: the text the event title shows for this form. */
  form: { id: string; title: string };
};

export type CancelExamEvent = {
  type: 'CancelExamEvent';
  eventId: string;
  organization: string;
  reason: string | null;
  /** True when the service cancels an Individual event left without active registrations. */
  automatic: boolean;
  /** Registrations on the event that are not cancelled (nor deleted), as the caller counted them. */
  activeRegistrations: number;
};

export type ExamEventCommand = ScheduleExamEvent | AttachExamForm | CancelExamEvent;
