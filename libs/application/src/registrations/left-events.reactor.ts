/**
 * A reactor (a process manager with one rule): an Individual exam event holds one registration, the
 * one it was created for, so once that registration is not on it (it left, or it never joined) the
 * event is cancelled automatically (spec §4). The commands do that themselves; this follows the log
 * from a stored checkpoint and completes it where a command stopped in between (a disk full, a
 * killed process) and was never retried, or where a retry cannot reach it. It reacts to:
 * - a registration leaving its event (cancelled, deleted, transferred), whose command cancels an
 *   Individual event it left as its second append (transfer-lax's retry is refused `Registration
 *   already assigned to event`, so only this completes it);
 * - the schedule's creation of an Individual event for a registration (register-lax, transfer-lax):
 *   when that registration never joined it (its command stopped between the two; a retry creates
 *   another event), nothing in the log ever says it was left.
 *
 * The completion is written on the stopped request's behalf (its organization, actor, request id
 * and time), so it reads as what the command would have appended. The automatic cancellation
 * records nothing when it is already done, so acting twice on an event (a crash before the
 * checkpoint was saved, the command finishing meanwhile, two API processes) changes nothing.
 */
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { isIndividual } from '../../../domain/src/exam-event/exam-values.js';
import { UnknownEventTypeError } from '../../../domain/src/shared/decider.js';
import { DomainError } from '../../../domain/src/shared/domain-error.js';
import type { ExamEventNumberAssignedData } from '../../../domain/src/exam-schedule/exam-schedule.decider.js';
import { joinedEventOf, registrationStreamId } from '../../../domain/src/registration/registration.state.js';
import { type EventStore, type StoredEvent, UnreadableEventError } from '../../../event-store/src/event-store.js';
import { NewerSchemaVersionError } from '../../../event-store/src/upcasting-event-store.js';
import { asStoredBy } from '../event-sourcing/command-context.js';
import type { ExamEventScheduler } from '../exam-events/exam-event-scheduler.js';

/** The registration events that say which exam event the registration left, and the schedule's creations. */
const FOLLOWED_TYPES = ['RegistrationCancelled', 'RegistrationDeleted', 'RegistrationTransferred', 'ExamEventNumberAssigned'] as const;

const SUBSCRIBER = 'left-individual-events';
/** Log positions read per window. */
const WINDOW = 5000;
/**
 * How old an event is, at least, when a pass acts on it: a pass acts up to the log's head as the
 * previous pass left it, so that the command that appended it has normally completed it by then.
 */
const PASS_DELAY_MS = 1000;
/**
 * How long after this process first read an Individual event's creation, at least, a pass may cancel
 * it because its registration has not joined it: its creator has stored the registration by then,
 * or stopped. In this process the creator's hold says so at once (the pass waits for it); this is
 * for creators on other API replicas (server adapters). Counted from the reactor's own reading, not
 * the event's recorded time: that is when the request arrived, and another host's clock.
 */
export const CREATION_GRACE_MS = 10_000;
/** After a failed pass (the disk full, say), how long before the next try. */
const RETRY_DELAY_MS = 10_000;

/** What a pass did with an event or a window: for the service's metrics. */
export const REACTOR_OUTCOMES = ['completed', 'passed_over', 'failed_pass'] as const;
export type ReactorOutcome = (typeof REACTOR_OUTCOMES)[number];

/** Started and stopped with the API (Nest's lifecycle hooks); one per process. */
export class LeftEventsReactor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LeftEventsReactor');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  /** How far this reactor has acted (null: nothing yet on an empty log); undefined until read from the store. */
  private checkpoint: bigint | null | undefined;
  /** How far the next pass acts: the head when the previous pass began (undefined: the head now, at start). */
  private horizon: bigint | null | undefined;
  /** When this process first read each creation it has not passed yet (by log position). */
  private readonly firstRead = new Map<bigint, number>();

  constructor(
    private readonly eventStore: EventStore,
    private readonly scheduler: ExamEventScheduler,
    private readonly count: (outcome: ReactorOutcome) => void = () => undefined,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.eventStore.onAppended(() => this.schedule(PASS_DELAY_MS));
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Acts now on everything appended so far, after the pass running if any, creations within their
   * grace included (tests use it, once their commands are done).
   */
  async catchUp(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.runPass(true);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runPass(false);
    }, delayMs);
    this.timer.unref();
  }

  /** One pass at a time: a pass asked for while one runs follows it. */
  private runPass(upToHead: boolean): Promise<void> {
    const pass = (this.running ?? Promise.resolve()).then(() => this.pass(upToHead));
    const tracked = pass.finally(() => {
      if (this.running === tracked) this.running = null;
    });
    this.running = tracked;
    return tracked;
  }

  /**
   * Acts on what was appended after the checkpoint up to the horizon (`upToHead`: up to the head),
   * window by window, saving the checkpoint after each. A creation not joined yet and still in its
   * grace is deferred: the pass goes on past it (so that every creation it reads starts its grace
   * now, and leaving events are not held up), but the checkpoint stays before it until it is judged;
   * what the next pass reads again it finds done.
   */
  private async pass(upToHead: boolean): Promise<void> {
    try {
      if (this.checkpoint === undefined) this.checkpoint = await this.startingPoint();
      const head = await this.eventStore.headPosition();
      const horizon = upToHead || this.horizon === undefined ? head : this.horizon;
      this.horizon = head;
      let graceLeftMs = 0;
      /** How far the checkpoint may go: before the first deferred creation (undefined: none deferred). */
      let keptAt: bigint | null | undefined;
      let read = this.checkpoint;
      while (horizon !== null && !this.stopped && (read === null || read < horizon)) {
        const { events, last } = await this.readWindow(read ?? undefined);
        if (last === null) break;
        this.noteFirstRead(events);
        const reached = last < horizon ? last : horizon;
        let actedUpTo = read;
        for (const event of events) {
          if (event.position > reached) break;
          const wait = await this.act(event, upToHead);
          if (wait > 0) {
            keptAt = keptAt === undefined ? actedUpTo : keptAt;
            graceLeftMs = graceLeftMs === 0 ? wait : Math.min(graceLeftMs, wait);
          }
          actedUpTo = event.position;
        }
        read = reached;
        const checkpoint = keptAt === undefined ? reached : keptAt;
        if (checkpoint === null || checkpoint === this.checkpoint) continue;
        await this.eventStore.saveCheckpoint(SUBSCRIBER, checkpoint);
        this.checkpoint = checkpoint;
        for (const position of this.firstRead.keys()) if (position <= checkpoint) this.firstRead.delete(position);
      }
      // What was appended since this pass began waits for the next one.
      if (head !== null && (this.checkpoint === null || this.checkpoint < head)) this.schedule(Math.max(PASS_DELAY_MS, graceLeftMs));
    } catch (error) {
      this.count('failed_pass');
      this.logger.warn(`Could not complete the automatic cancellations of left Individual events; trying again in ${RETRY_DELAY_MS / 1000} s: ${String(error)}`);
      this.schedule(RETRY_DELAY_MS);
    }
  }

  /**
   * The leaving events in the next window. One this build cannot read (a newer version's shape, a
   * damaged row) is logged and passed over: the window is read again one position at a time and
   * ends at it, so that it does not hold up every later event.
   */
  private async readWindow(after: bigint | undefined): Promise<{ events: StoredEvent[]; last: bigint | null }> {
    try {
      return await this.eventStore.readTypes({ after, limit: WINDOW }, FOLLOWED_TYPES);
    } catch (error) {
      if (unreadablePosition(error) === null) throw error;
    }
    const events: StoredEvent[] = [];
    let last: bigint | null = null;
    for (let step = 0; step < WINDOW; step++) {
      try {
        const one = await this.eventStore.readTypes({ after: last ?? after, limit: 1 }, FOLLOWED_TYPES);
        if (one.last === null) break;
        events.push(...one.events);
        last = one.last;
      } catch (error) {
        const position = unreadablePosition(error);
        if (position === null) throw error;
        this.count('passed_over');
        this.logger.error(`Passed over the event at position ${position}: this build cannot read it: ${String(error)}`);
        return { events, last: position };
      }
    }
    return { events, last };
  }

  /**
   * The checkpoint, or, on a store it never ran on, the log's head: a store from before this
   * reactor is not searched through (its stops stay as they were; a retried cancel or delete still
   * finishes them). An empty log is followed from its beginning.
   */
  private async startingPoint(): Promise<bigint | null> {
    const stored = await this.eventStore.loadCheckpoint(SUBSCRIBER);
    if (stored !== undefined) return stored;
    const head = await this.eventStore.headPosition();
    await this.eventStore.saveCheckpoint(SUBSCRIBER, head);
    return head;
  }

  /**
   * Cancels the Individual event `event` is about unless that is done already (nearly always: by the
   * command itself) or, for a creation, its registration joined it (if it left it since, the
   * leaving event, later in the log, is the one acted on, on the leaving request's behalf). Returns
   * how long to wait before a creation not joined yet may be judged (0: done with the event). An
   * event this build cannot act on (one of its streams unreadable to it, a refusal) is logged and
   * passed over, so that it does not hold up every later one; any other error (the store
   * unavailable, the disk full) ends the pass, to be tried again.
   */
  private async act(event: StoredEvent, judgeNow: boolean): Promise<number> {
    const about = aboutEvent(event);
    if (about === null) return 0;
    const context = asStoredBy(event, new Date());
    try {
      if (about.createdFor !== undefined) {
        // Joining is for good: a creation its registration joined needs neither a wait nor a hold.
        if (await this.everJoined(about.createdFor, about.eventId)) return 0;
        const graceLeftMs = judgeNow ? 0 : this.graceLeftMs(event.position);
        if (graceLeftMs > 0) return graceLeftMs;
      }
      // Held while it looks again: a registration command of this process still creating it stores its registration first.
      const release = about.createdFor !== undefined ? await this.scheduler.holdForCancelling(about.eventId) : () => undefined;
      try {
        const exam = await this.scheduler.get(context, about.eventId);
        if (exam === null || exam.cancelled || !isIndividual(exam.examType)) return 0;
        if (about.createdFor !== undefined && (await this.everJoined(about.createdFor, about.eventId))) return 0;
        await this.scheduler.cancelAutomatically(context, about.eventId);
      } finally {
        release();
      }
    } catch (error) {
      if (!(error instanceof DomainError || error instanceof UnknownEventTypeError || unreadablePosition(error) !== null)) throw error;
      this.count('passed_over');
      this.logger.error(`Passed over ${event.type} at position ${event.position} (${event.streamId}): its exam event ${about.eventId} cannot be cancelled by this build: ${String(error)}`);
      return 0;
    }
    this.count('completed');
    const why =
      about.createdFor !== undefined
        ? `created for registration ${about.createdFor}, which never joined it: request ${context.correlationId} stopped before storing it`
        : `which ${event.streamId} left by ${event.type} before its command could (request ${context.correlationId})`;
    this.logger.log(`Cancelled exam event ${about.eventId}, ${why}`);
    return 0;
  }

  /** Notes when this process first read each creation for a registration in `events`. */
  private noteFirstRead(events: StoredEvent[]): void {
    const now = Date.now();
    for (const event of events) {
      if (aboutEvent(event)?.createdFor !== undefined && !this.firstRead.has(event.position)) this.firstRead.set(event.position, now);
    }
  }

  /** How long until the creation at `position` may be judged: its grace from when this process first read it. */
  private graceLeftMs(position: bigint): number {
    const now = Date.now();
    const since = this.firstRead.get(position) ?? now;
    this.firstRead.set(position, since);
    return Math.max(0, since + CREATION_GRACE_MS - now);
  }

  /** Whether the registration's history ever put it on the exam event (requested on it, or moved to it). */
  private async everJoined(registrationId: string, eventId: string): Promise<boolean> {
    const history = await this.eventStore.readStream(registrationStreamId(registrationId));
    return history.some((e) => joinedEventOf(e) === eventId);
  }
}

/**
 * The exam event a followed event is about: the one a registration left, or an Individual event
 * created for a registration (`createdFor`); null for any other creation.
 */
function aboutEvent(event: StoredEvent): { eventId: string; createdFor?: string } | null {
  switch (event.type) {
    case 'RegistrationTransferred':
      return { eventId: event.data.FromEventId as string };
    case 'ExamEventNumberAssigned': {
      const { Details } = event.data as unknown as ExamEventNumberAssignedData;
      return Details.ForRegistration === undefined ? null : { eventId: Details.EventId, createdFor: Details.ForRegistration };
    }
    default:
      return { eventId: event.data.EventId as string };
  }
}


/** The log position of an event this build cannot read, when `error` is about one; else null. */
function unreadablePosition(error: unknown): bigint | null {
  return error instanceof NewerSchemaVersionError || error instanceof UnreadableEventError ? error.position : null;
}
