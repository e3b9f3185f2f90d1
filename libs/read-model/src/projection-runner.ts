import type { EventStore, StoredEvent, Unsubscribe } from '../../event-store/src/event-store.js';
import { CheckpointWaiters, ProjectionLagTimeoutError } from './checkpoint-waiters.js';
import { applyInOneBatch, type Projection } from './projection.js';
import type { Projector } from './projector.js';
import type { ReadStore } from './read-store.js';
import { damagedFileCode } from '../../sqlite-support/src/damaged-file.js';

export interface ProjectionRunnerOptions {
  /** Events read from the log per batch (and applied per read-store transaction). */
  batchSize?: number;
  /** Fallback poll for events appended by other processes (the SQLite store notifies in-process only). */
  pollIntervalMs?: number;
  /** Pause after a failing batch before trying again. */
  retryDelayMs?: number;
  onError?: (projection: string, error: unknown) => void;
  /** After each committed batch, with the position every projection has reached since. */
  onCheckpoint?: (lowest: bigint) => void;
}

export class ProjectionCatchUpStalledError extends Error {
  constructor(head: bigint, stallMs: number, lastError: unknown) {
    const why = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
    super(`Read models stopped catching up before position ${head}: no batch committed for ${stallMs} ms${why}`, { cause: lastError });
    this.name = 'ProjectionCatchUpStalledError';
  }
}

/** The read store's file is damaged; the repair is to let it be rebuilt from the log. */
export class DamagedReadStoreError extends Error {
  /** One for `cause` when SQLite called the file damaged (its code), else null. */
  static of(file: string, cause: Error & { code?: unknown }): DamagedReadStoreError | null {
    if (damagedFileCode(cause) === null) return null;
    return new DamagedReadStoreError(
      `The read store ${file} is damaged (${cause.message}). The read models are rebuilt from the log: stop the API, ` +
        'delete read.sqlite* and read.gen-* in its data folder (never events.sqlite*) and start it again ' +
        '(docs/operations.md, "A damaged read store").',
    );
  }

  private constructor(message: string) {
    super(message);
    this.name = 'DamagedReadStoreError';
  }
}

/**
 * A read store that has projected events the log does not hold: it belongs to another log, most
 * likely a backup of the event log restored beside the read store it replaced. Served, it would
 * answer with data the log does not have and skip the log's next events (new appends land on
 * positions it counts as done), while readiness looked fine. Refused at start instead.
 */
export class ReadStoreAheadOfLogError extends Error {
  static of(projection: string, checkpoint: bigint, head: bigint | null): ReadStoreAheadOfLogError {
    return new ReadStoreAheadOfLogError(
      `The read store is ahead of the event log: projection ${projection} has applied events up to position ${checkpoint}, ` +
        `but the log ${head === null ? 'is empty' : `ends at ${head}`}. It was built from another log (a restored backup of ` +
        'the event log beside a newer read store?). Delete the read store so that it is rebuilt from the log: on the ' +
        'embedded stores read.sqlite* and read.gen-* in the data folder, on MongoDB its database (docs/operations.md).',
    );
  }

  /** `message`: also the message of one thrown in the projector thread, raised again in the API's. */
  constructor(message: string) {
    super(message);
    this.name = 'ReadStoreAheadOfLogError';
  }
}

/**
 * Reads the global log in order from each projection's stored checkpoint and applies it in
 * batches. One read of the log feeds every projection that is behind. Because checkpoints are
 * stored with (SQLite) or after (MongoDB) the changes, a restart resumes where the last committed
 * batch ended and a crash in between only replays idempotent changes.
 */
export class ProjectionRunner implements Projector {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly checkpoints = new Map<string, bigint | null>();
  private readonly waiters = new CheckpointWaiters((position) => this.reached(position));
  private running = false;
  private wakeRequested = false;
  private loop: Promise<void> | null = null;
  private unsubscribe: Unsubscribe | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private lastError: unknown = null;
  /** When a batch last committed (`performance.now()`), for waitForCatchUp. */
  private lastCommitAt = -Infinity;

  constructor(
    private readonly eventStore: EventStore,
    private readonly readStore: ReadStore,
    private readonly projections: readonly Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  get projectionNames(): string[] {
    return this.projections.map((p) => p.name);
  }

  /**
   * Creates collections, loads checkpoints, catches up, then follows the log live. A projection
   * that owns a collection which did not exist yet (its model changed, e.g. a new collection in a
   * new version) replays its whole history: its checkpoint was earned without that collection.
   * Its checkpoint is dropped before the collection is created, so a start killed in between
   * replays next time as well. `catchUpStallMs`: see waitForCatchUp.
   */
  async start(catchUpStallMs = 60_000): Promise<void> {
    const specs = this.projections.flatMap((p) => p.collections);
    const missing = new Set(await this.readStore.missingCollections(specs.map((spec) => spec.name)));
    const head = await this.eventStore.headPosition();
    for (const projection of this.projections) {
      let checkpoint = await this.readStore.getCheckpoint(projection.name);
      if (checkpoint !== null && (head === null || checkpoint > head)) throw ReadStoreAheadOfLogError.of(projection.name, checkpoint, head);
      const collections = projection.collections.map((c) => c.name);
      if (checkpoint !== null && collections.some((name) => missing.has(name))) {
        await this.readStore.reset(projection.name, collections);
        checkpoint = null;
      }
      this.checkpoints.set(projection.name, checkpoint);
    }
    await this.readStore.ensureCollections(specs);
    this.running = true;
    this.unsubscribe = this.eventStore.onAppended(() => this.wake());
    this.pollTimer = setInterval(() => this.wake(), this.pollIntervalMs);
    this.pollTimer.unref();
    this.wake();
    await this.waitForCatchUp(catchUpStallMs);
  }

  /** Stops following; resolves once the batch in progress is committed. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.loop;
  }

  /** The position every projection has reached (the lowest checkpoint), or null if one never ran. */
  lowestCheckpoint(): bigint | null {
    let lowest: bigint | null = null;
    for (const checkpoint of this.checkpoints.values()) {
      if (checkpoint === null) return null;
      if (lowest === null || checkpoint < lowest) lowest = checkpoint;
    }
    return lowest;
  }

  checkpointOf(projection: string): bigint | null {
    return this.checkpoints.get(projection) ?? null;
  }

  /** Read-your-writes: resolves once every projection has applied the event at `position`. */
  waitFor(position: bigint, timeoutMs = 5000): Promise<void> {
    if (this.reached(position)) return Promise.resolve();
    const waiting = this.waiters.wait(position, timeoutMs);
    this.wake();
    return waiting;
  }

  /**
   * Waits until the runner has caught up with the head of the log as it is now, however long
   * that takes while batches keep committing (a replay of a long log takes minutes); fails once
   * no batch has committed for `stallMs` (a projection that keeps failing, a store that is gone).
   */
  async waitForCatchUp(stallMs = 60_000): Promise<void> {
    const head = await this.eventStore.headPosition();
    if (head === null) return;
    const waitingSince = performance.now();
    for (;;) {
      const quietMs = performance.now() - Math.max(waitingSince, this.lastCommitAt);
      if (quietMs >= stallMs) throw new ProjectionCatchUpStalledError(head, stallMs, this.lastError);
      try {
        return await this.waitFor(head, stallMs - quietMs);
      } catch (error) {
        if (!(error instanceof ProjectionLagTimeoutError)) throw error;
      }
    }
  }

  private reached(position: bigint): boolean {
    const lowest = this.lowestCheckpoint();
    return lowest !== null && lowest >= position;
  }

  private wake(): void {
    if (!this.running) return;
    this.wakeRequested = true;
    this.loop ??= this.drain().finally(() => {
      this.loop = null;
      if (this.wakeRequested && this.running) this.wake();
    });
  }

  private async drain(): Promise<void> {
    while (this.running && this.wakeRequested) {
      this.wakeRequested = false;
      try {
        while (this.running && (await this.applyNextBatch())) {
          /* keep going until a batch comes back short */
        }
        this.lastError = null;
      } catch (error) {
        this.lastError = error;
        this.options.onError?.('runner', error);
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
        this.wakeRequested = true;
      }
    }
  }

  /** Applies one batch; returns true when the batch was full (more may follow). */
  private async applyNextBatch(): Promise<boolean> {
    // Let concurrent commands finish their appends first: one larger batch costs one commit.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const lowest = this.lowestCheckpoint();
    const events = await this.eventStore.readAll({ after: lowest ?? undefined, limit: this.batchSize });
    if (events.length === 0) return false;
    for (const group of this.groupsByCheckpoint()) {
      await this.applyTo(group, events);
    }
    this.waiters.release();
    const reached = this.lowestCheckpoint();
    if (reached !== null) this.options.onCheckpoint?.(reached);
    return events.length === this.batchSize;
  }

  /** Projections standing at the same checkpoint (normally all of them) share one read-store batch. */
  private groupsByCheckpoint(): Projection[][] {
    const groups = new Map<bigint | null, Projection[]>();
    for (const projection of this.projections) {
      const checkpoint = this.checkpoints.get(projection.name) ?? null;
      const group = groups.get(checkpoint);
      if (group) group.push(projection);
      else groups.set(checkpoint, [projection]);
    }
    return [...groups.values()];
  }

  private async applyTo(group: readonly Projection[], events: readonly StoredEvent[]): Promise<void> {
    const checkpoint = this.checkpoints.get(group[0].name) ?? null;
    const pending = checkpoint === null ? events : events.filter((e) => e.position > checkpoint);
    if (pending.length === 0) return;
    const last = pending[pending.length - 1].position;
    const names = group.map((projection) => projection.name);
    try {
      await applyInOneBatch(this.readStore, group, pending, last);
      this.lastCommitAt = performance.now();
    } catch (error) {
      this.options.onError?.(names.join(', '), error);
      throw error;
    }
    for (const name of names) this.checkpoints.set(name, last);
  }

  /** For health checks: the last error of the loop, cleared by the next good batch. */
  get failing(): unknown {
    return this.lastError;
  }
}
