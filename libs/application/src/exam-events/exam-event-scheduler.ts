import type { CommandContext } from '../event-sourcing/command-context.js';

/** The slot a registration asks for: venue + start (same minute), and what a new event would need. */
export interface ExamSlotRequest {
  venueId: string;
  /** ISO 8601 with offset, already shape-validated. */
  start: string;
  /** Needed only when an event must be created (POST /api/events rules and messages apply). */
  examType: string | null;
  format: string | null;
  billingCode: string | null;
}

export interface ExamEventRef {
  eventId: string;
  number: number;
  examType: string;
  format: string;
  billingCode: string;
  cancelled: boolean;
  /** True when this call created the event (register-lax/transfer-lax answer 201). */
  created: boolean;
  /** Position to wait for (read-your-writes), null when nothing was appended. */
  position: bigint | null;
}

/**
 * The one application service for exam events that other slices use (registrations reuse it, never
 * rewrite it). Uniqueness (event numbers; one shared event per venue+minute) is enforced by the
 * per-organization schedule stream appended with an expected revision, not by a read model.
 */
export abstract class ExamEventScheduler {
  /** The organization's non-cancelled, non-Individual event at that venue and minute with the
   * highest number, or null. Never creates anything. */
  abstract findShared(context: CommandContext, venueId: string, start: string): Promise<ExamEventRef | null>;

  /** Creates a new event exactly as POST /api/events would (checks 2–6, in order, as DomainErrors),
   * with no registration limit. When `shared` and a concurrent caller created an event for the slot
   * first, returns that one. An unshared event (Individual types) never joins a slot and records the
   * registration it is created for (`ForRegistration`). */
  abstract create(
    context: CommandContext,
    request: ExamSlotRequest,
    options: { shared: true } | { shared: false; forRegistration: string },
  ): Promise<ExamEventRef>;

  /**
   * A registration command calls this once it has stored (and waited for) its registration on the
   * event `findShared` or `create` answered: until then the event is held for it, so that a
   * cancellation of the event in this process counts it or comes first (ExamEventHolds).
   */
  abstract leave(event: ExamEventRef): void;

  /** findShared, else create (shared). */
  abstract findOrCreate(context: CommandContext, request: ExamSlotRequest): Promise<ExamEventRef>;

  /**
   * Attaches a form to the event and retitles it; a no-op when already attached. `event`: its id,
   * or the ref `findShared` answered, whose read of the event may be decided on instead of a new
   * one (forms are only ever added, and a stale read that leads to an append fails on its revision).
   */
  abstract attachForm(context: CommandContext, event: string | ExamEventRef, form: { id: string; title: string }): Promise<bigint | null>;

  /**
   * Holds the event for its cancellation, from before its active registrations are counted until
   * the cancellation is stored: registration commands of this process that decided on it have
   * stored theirs by then, and later ones wait, then look again (ExamEventHolds). Call the release.
   */
  abstract holdForCancelling(eventId: string): Promise<() => void>;

  /** Cancels an Individual event a registration just left (spec §4); no-op if already cancelled. */
  abstract cancelAutomatically(context: CommandContext, eventId: string): Promise<bigint | null>;

  /** The event as the write side knows it (for a registration's checks), or null if missing/other org. */
  abstract get(context: CommandContext, eventId: string): Promise<ExamEventRef | null>;
}
