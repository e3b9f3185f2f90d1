/**
 * A reactor (a process manager with one rule): an Individual exam event holds one registration,
 * so when that registration leaves it (cancelled, deleted, transferred) the event is cancelled
 * automatically. The command that moved the registration does that itself, as its second append;
 * this follows the log from a stored checkpoint and completes it where that command stopped in
 * between (a disk full, a killed process) and was never retried, or where a retry cannot reach
 * it (transfer-lax's retry is refused `Registration already assigned to event`).
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
import { type EventStore, type StoredEvent, UnreadableEventError } from '../../../event-store/src/event-store.js';
import { NewerSchemaVersionError } from '../../../event-store/src/upcasting-event-store.js';
import { asStoredBy } from '../event-sourcing/command-context.js';
import type { ExamEventScheduler } from '../exam-events/exam-event-scheduler.js';

/** The registration events that say which exam event the registration left. */
const LEAVING_TYPES = ['RegistrationCancelled', 'RegistrationDeleted', 'RegistrationTransferred'] as const;

const SUBSCRIBER = 'left-individual-events';
/** Log positions read per window. */
const WINDOW = 5000;
/**
 * How old an event is, at least, when a pass acts on it: a pass acts up to the log's head as the
 * previous pass left it, so that the command that appended it has normally completed it by then.
 */
const PASS_DELAY_MS = 1000;
/** After a failed pass (the disk full, say), how long before the next try. */
const RETRY_DELAY_MS = 10_000;

/** What a pass did with an event or a window: for the service's metrics. */
export type ReactorOutcome = 'completed' | 'passed_over' | 'failed_pass';

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

  /** Acts now on everything appended so far, after the pass running if any (tests use it). */
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
   * window by window, saving the checkpoint after each.
   */
  private async pass(upToHead: boolean): Promise<void> {
    try {
      if (this.checkpoint === undefined) this.checkpoint = await this.startingPoint();
      const head = await this.eventStore.headPosition();
      const horizon = upToHead || this.horizon === undefined ? head : this.horizon;
      this.horizon = head;
      while (horizon !== null && !this.stopped && (this.checkpoint === null || this.checkpoint < horizon)) {
        const { events, last } = await this.readWindow(this.checkpoint ?? undefined);
        if (last === null) break;
        const reached = last < horizon ? last : horizon;
        for (const event of events) if (event.position <= reached) await this.completeLeaving(event);
        await this.eventStore.saveCheckpoint(SUBSCRIBER, reached);
        this.checkpoint = reached;
      }
      // What was appended since this pass began waits for the next one.
      if (head !== null && (this.checkpoint === null || this.checkpoint < head)) this.schedule(PASS_DELAY_MS);
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
      return await this.eventStore.readTypes({ after, limit: WINDOW }, LEAVING_TYPES);
    } catch (error) {
      if (unreadablePosition(error) === null) throw error;
    }
    const events: StoredEvent[] = [];
    let last: bigint | null = null;
    for (let step = 0; step < WINDOW; step++) {
      try {
        const one = await this.eventStore.readTypes({ after: last ?? after, limit: 1 }, LEAVING_TYPES);
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
   * Cancels the Individual event `event` says its registration left, unless it is cancelled
   * already (nearly always: by the command itself). An event this build cannot act on (one of its
   * streams unreadable to it, a refusal) is logged and passed over, so that it does not hold up
   * every later one; any other error (the store unavailable, the disk full) ends the pass, to be
   * tried again.
   */
  private async completeLeaving(event: StoredEvent): Promise<void> {
    const left = (event.type === 'RegistrationTransferred' ? event.data.FromEventId : event.data.EventId) as string;
    const context = asStoredBy(event);
    try {
      const exam = await this.scheduler.get(context, left);
      if (exam === null || exam.cancelled || !isIndividual(exam.examType)) return;
      await this.scheduler.cancelAutomatically(context, left);
    } catch (error) {
      if (!(error instanceof DomainError || error instanceof UnknownEventTypeError || unreadablePosition(error) !== null)) throw error;
      this.count('passed_over');
      this.logger.error(`Passed over ${event.type} at position ${event.position} (${event.streamId}): its exam event ${left} cannot be cancelled by this build: ${String(error)}`);
      return;
    }
    this.count('completed');
    this.logger.log(`Cancelled exam event ${left}, which ${event.streamId} left by ${event.type} (request ${context.correlationId}) before its command could`);
  }
}

/** The log position of an event this build cannot read, when `error` is about one; else null. */
function unreadablePosition(error: unknown): bigint | null {
  return error instanceof NewerSchemaVersionError || error instanceof UnreadableEventError ? error.position : null;
}
