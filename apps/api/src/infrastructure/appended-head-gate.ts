import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamWatchingEventStore } from '../../../../libs/event-store/src/stream-watching-event-store.js';
import { ProjectionLagTimeoutError } from '../../../../libs/read-model/src/checkpoint-waiters.js';
import { type ReadGate, ReadModelsBehindError } from '../../../../libs/read-model/src/read-gate.js';

/** What the gate needs of the projector thread. */
export interface AppliedPositions {
  hasApplied(position: bigint): boolean;
  waitFor(position: bigint, timeoutMs?: number): Promise<void>;
}

/** As long as a command used to wait for its events to be applied before answering. */
const READ_WAIT_MS = 5000;

/**
 * Read-your-writes on the read side for the embedded stores: a read waits until the projector
 * thread has applied the last event this process had stored when the read began (the head). Every
 * command's events are this process's appends, stored before its 2xx is sent: a read that starts
 * after that 2xx finds the head at or past them. Appends of other processes (a CLI) are not waited
 * for; the projector picks them up by polling, as before.
 */
export class AppendedHeadGate implements ReadGate {
  private head: bigint | null = null;

  constructor(
    private readonly appends: Pick<StreamWatchingEventStore, 'watch' | 'appending'>,
    private readonly projector: AppliedPositions,
    private readonly timeoutMs = READ_WAIT_MS,
  ) {
    // Every stream: told after each append commits.
    appends.watch('', (position) => this.include(position));
  }

  /** A position later reads must see too (a command's, stored through another store instance). */
  include(position: bigint): void {
    if (this.head === null || position > this.head) this.head = position;
  }

  /**
   * Resolves once no append of this process is under way and the projector has applied them all,
   * those made while it waited included (bounded as a read): for a check that must count what
   * raced in meanwhile, as a command that has decided on what it read is already appending.
   */
  async caughtUp(): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const waiting = this.appends.appending > 0 ? sleep(1) : this.beforeRead();
      if (waiting === null) return;
      if (Date.now() >= deadline) throw new ReadModelsBehindError(this.head ?? 0n, this.timeoutMs);
      await waiting;
    }
  }

  beforeRead(): Promise<void> | null {
    const head = this.head;
    if (head === null || this.projector.hasApplied(head)) return null;
    return this.projector.waitFor(head, this.timeoutMs).catch((error: unknown) => {
      throw error instanceof ProjectionLagTimeoutError ? new ReadModelsBehindError(head, this.timeoutMs) : error;
    });
  }
}
