import type { DomainEvent } from '../shared/decider.js';

export type ExamEventStatus = 'Scheduled' | 'Cancelled';
export type ExamEventSource = 'API';

/**
 * A new exam event, with everything its read model needs (no further lookups): the venue's name
 * and time zone as they were when it was scheduled, and start/end as UTC ISO instants. (The read
 * models show its times in the venue's zone: this one until a later `VenueDefined` gives another.)
 */
export type ExamScheduledData = {
  EventId: string;
  Organization: string;
  Number: number;
  /** The venue id. */
  Venue: string;
  VenueName: string;
  VenueTimeZone: string;
  Start: string;
  End: string;
  DurationMinutes: number;
  ExamType: string;
  Format: string;
  BillingCode: string;
  /** Null: unlimited. */
  RegistrationLimit: number | null;
  Source: ExamEventSource;
  Title: string;
  Status: 'Scheduled';
  /**
   * An Individual event created by register-lax or transfer-lax: the registration it was created
   * for, the only one it can ever hold (nothing else joins it). Absent on other events and on those
   * stored before session 44. The left-events reactor cancels it if that registration never joins.
   */
  ForRegistration?: string;
};

export type ExamFormAttachedData = { EventId: string; FormId: string; FormTitle: string };
export type ExamEventRetitledData = { EventId: string; Title: string };
/** `Automatic`: cancelled by the service because an Individual event was left without registrations. */
export type ExamEventCancelledData = { EventId: string; Reason: string | null; Automatic: boolean };

export type ExamScheduled = DomainEvent<'ExamScheduled', ExamScheduledData>;
export type ExamFormAttached = DomainEvent<'ExamFormAttached', ExamFormAttachedData>;
export type ExamEventRetitled = DomainEvent<'ExamEventRetitled', ExamEventRetitledData>;
export type ExamEventCancelled = DomainEvent<'ExamEventCancelled', ExamEventCancelledData>;

export type ExamEventEvent =
  | ExamScheduled
  | ExamFormAttached
  | ExamEventRetitled
  | ExamEventCancelled;
