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
 * How far (in log positions) the projector may fall behind a command before that command waits for
 * it: about 256 register-lax commands, of 5 events each. Session 36 at 10k (docs/performance.md):
 * against 256 positions, 6–10 % more register-lax a second and its p99 down from 23–27 to 16–20 ms,
 * while a retrieve every 50 ms beside them waited 16 ms at the median instead of 12, at most 75–95
 * ms instead of 47–49 (the projector's work then about 30 µs a position).
 */
const MAX_LAG = 1280n;

/**
 * Read-your-writes on the read side for the embedded stores: a read waits until the projector
 * thread has applied the last event this process had stored when the read began (the head). Every
 * command's events are this process's appends, stored before its 2xx is sent: a read that starts
 * after that 2xx finds the head at or past them. Appends of other processes (a CLI) are not waited
 * for; the projector picks them up by polling, as before.
 *
 * A read filtered to one organization waits for that organization's head only (ReadGate): its
 * documents change with its own events alone, and the projector applies the log in order.
 */
export class AppendedHeadGate implements ReadGate {
  private head: bigint | null = null;
  /** Each organization's head (one entry per organization this process has appended for). */
  private readonly heads = new Map<string, bigint>();

  constructor(
    appends: Pick<StreamWatchingEventStore, 'watch'>,
    private readonly projector: AppliedPositions,
    private readonly timeoutMs = READ_WAIT_MS,
  ) {
    // Every stream: told after each append commits.
    appends.watch('', (position, organization) => this.include(position, organization));
  }

  /**
   * A position later reads must see too: an append of `organization`'s, or one a command of
   * `organization` found (stored through another store instance, or by another process).
   */
  include(position: bigint, organization: string): void {
    if (this.head === null || position > this.head) this.head = position;
    const head = this.heads.get(organization);
    if (head === undefined || position > head) this.heads.set(organization, position);
  }

  /**
   * Backpressure for a command that stored `position`: at once while the projector is within
   * MAX_LAG positions of it, else once it is back within them (bounded as a read, then
   * ProjectionLagTimeoutError: the stored command's 503). Commands no longer paced by the
   * projector would otherwise outrun it, and every read would wait for a projector seconds behind.
   */
  async keepUpWith(position: bigint): Promise<void> {
    const target = position - MAX_LAG;
    if (target <= 0n || this.projector.hasApplied(target)) return;
    await this.projector.waitFor(target, this.timeoutMs);
  }

  beforeRead(organization: string | null): Promise<void> | null {
    const head = organization === null ? this.head : (this.heads.get(organization) ?? null);
    if (head === null || this.projector.hasApplied(head)) return null;
    return this.projector.waitFor(head, this.timeoutMs).catch((error: unknown) => {
      throw error instanceof ProjectionLagTimeoutError ? new ReadModelsBehindError(head, this.timeoutMs) : error;
    });
  }
}
