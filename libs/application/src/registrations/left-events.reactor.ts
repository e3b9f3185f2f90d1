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
import type { EventStore, StoredEvent } from '../../../event-store/src/event-store.js';
import type { CommandContext } from '../event-sourcing/command-context.js';
import { RegistrationSupport } from './registration-support.js';

/** The registration events that say which exam event the registration left. */
const LEAVING_TYPES = ['RegistrationCancelled', 'RegistrationDeleted', 'RegistrationTransferred'] as const;

const SUBSCRIBER = 'left-individual-events';
/** Log positions read per window. */
const WINDOW = 5000;
/** After an append, how long to wait before a pass: the command normally completes its own event by then. */
const PASS_DELAY_MS = 1000;
/** After a failed pass (the disk full, say), how long before the next try. */
const RETRY_DELAY_MS = 10_000;

/** Started and stopped with the API (Nest's lifecycle hooks); one per process. */
export class LeftEventsReactor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LeftEventsReactor');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  /** How far this reactor has acted (null: nothing yet on an empty log); undefined until read from the store. */
  private checkpoint: bigint | null | undefined;

  constructor(
    private readonly eventStore: EventStore,
    private readonly support: RegistrationSupport,
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

  /** Runs a pass now, after the one running if any, and returns when it is done (tests use it). */
  async catchUp(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.runPass();
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runPass();
    }, delayMs);
    this.timer.unref();
  }

  /** One pass at a time: a pass asked for while one runs follows it. */
  private runPass(): Promise<void> {
    const pass = (this.running ?? Promise.resolve()).then(() => this.pass());
    const tracked = pass.finally(() => {
      if (this.running === tracked) this.running = null;
    });
    this.running = tracked;
    return tracked;
  }

  /** Acts on what was appended since the checkpoint, window by window, saving the checkpoint after each. */
  private async pass(): Promise<void> {
    try {
      if (this.checkpoint === undefined) this.checkpoint = await this.startingPoint();
      for (;;) {
        if (this.stopped) return;
        const { events, last } = await this.eventStore.readTypes({ after: this.checkpoint ?? undefined, limit: WINDOW }, LEAVING_TYPES);
        if (last === null) return;
        for (const event of events) await this.completeLeaving(event);
        await this.eventStore.saveCheckpoint(SUBSCRIBER, last);
        this.checkpoint = last;
      }
    } catch (error) {
      this.logger.warn(`Could not complete the automatic cancellations of left Individual events; trying again in ${RETRY_DELAY_MS / 1000} s: ${String(error)}`);
      this.schedule(RETRY_DELAY_MS);
    }
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

  private async completeLeaving(event: StoredEvent): Promise<void> {
    const left = (event.type === 'RegistrationTransferred' ? event.data.FromEventId : event.data.EventId) as string;
    await this.support.leftEvent(onBehalfOf(event), left);
  }
}

/** The context of the request that appended `event`: what its own completion would have carried. */
function onBehalfOf(event: StoredEvent): CommandContext {
  const { organization, actor, correlationId, causationId, occurredAt } = event.metadata;
  return { organization, actor, correlationId, causationId: causationId ?? correlationId, now: new Date(occurredAt) };
}
