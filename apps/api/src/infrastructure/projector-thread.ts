/**
 * The embedded projector in a worker thread of the API process, so that applying projections
 * (about a third of the event loop's time per register-lax) uses the second core instead.
 *
 * The worker (projector.worker.ts) owns the read store's writer; this thread only reads it
 * (SqliteQueryStore). Every append of this thread wakes the worker, and the worker reports each
 * committed checkpoint, which is what read-your-writes waits for (reads, see AppendedHeadGate): no
 * polling on either side.
 *
 * If the worker dies (an uncaught error, running out of memory), `failing` says so, which fails
 * readiness, and the worker is started again after a pause that doubles up to 30 s while it keeps
 * dying. Reads meanwhile wait for this process's appends (bounded, 5 s) as with a failing batch.
 *
 * When `projections rebuild` publishes a new generation of the read store, the worker catches it
 * up and says `switched`; this thread then moves its reads there (followSwitches) before it takes
 * the worker's new positions, and removes the old file once no connection of this process has it.
 */
import { Worker } from 'node:worker_threads';
import type { EventStore, Unsubscribe } from '../../../../libs/event-store/src/event-store.js';
import { CheckpointWaiters } from '../../../../libs/read-model/src/checkpoint-waiters.js';
import type { Projector } from '../../../../libs/read-model/src/projector.js';
import { allProjections } from '../../../../libs/read-model/src/projections.js';
import { removeReadStoreFile } from '../../../../libs/read-model/src/read-store-generations.js';
import { DamagedReadStoreError, ReadStoreAheadOfLogError } from '../../../../libs/read-model/src/projection-runner.js';
import { threadError } from '../../../../libs/sqlite-support/src/thread-errors.js';

export interface ProjectorThreadData {
  eventStoreFile: string;
  /** `read.sqlite`: the link to the read store's current generation, which the worker follows. */
  readStoreFile: string;
  /** The generation to open (a worker started in place of a dead one); else the link's. */
  generationFile?: string;
  /** How often the worker looks for appends of other processes (the runner's default: 1 s). */
  pollIntervalMs?: number;
  /**
   * How long its catch-up may go without committing a batch before the start fails (the runner's
   * default: 60 s). A long replay is not a failure; a projection that keeps failing is.
   */
  catchUpStallMs?: number;
}

export type ToProjector = 'appended' | 'stop';

export type FromProjector =
  | { type: 'opened'; file: string }
  | { type: 'started'; position: bigint | null }
  | { type: 'checkpoint'; position: bigint }
  /** It writes `file`, a new generation, from now on, caught up to `position`. */
  | { type: 'switched'; file: string; position: bigint | null }
  /** It closed its connections to `file`, the generation it wrote before. */
  | { type: 'released'; file: string }
  | { type: 'error'; projection: string; message: string };

export interface ProjectorThreadOptions extends ProjectorThreadData {
  /** Projection failures and worker deaths, for the log. */
  onError: (message: string) => void;
  /** A generation of the read store left by every connection of this process, once removed. */
  onRemoved?: (file: string) => void;
  /** The worker's module; the default is the built projector.worker.js. */
  entry?: URL;
}

const FIRST_RESTART_DELAY_MS = 1000;
/** Node's largest timer (about 24.8 days); longer ones fire at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * The projector allocates fast (documents parsed and dropped per batch), so V8 grows its young
 * generation to the default maximum, tens of MB of resident memory that the API's 300 MB budget at
 * a million registrations cannot spare; a smaller one only means more, shorter scavenges.
 */
const PROJECTOR_YOUNG_GENERATION_MB = 8;
const MAX_RESTART_DELAY_MS = 30_000;
/** After a failure to move the reads to a new generation, the next attempt. */
const READERS_RETRY_MS = 1000;

/**
 * The compiled worker. Tests run this module from the TypeScript sources, which a worker thread
 * cannot load, so they use the build (`npm test` builds first).
 */
const BUILT_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? '../../../../dist/apps/api/src/infrastructure/projector.worker.js' : './projector.worker.js',
  import.meta.url,
);

export class ProjectorThread implements Projector {
  readonly projectionNames = allProjections.map((projection) => projection.name);
  private worker!: Worker;
  private opened!: Promise<void>;
  private started!: Promise<void>;
  private exited!: Promise<void>;
  private lowest: bigint | null = null;
  private readonly waiters = new CheckpointWaiters((position) => this.hasApplied(position));
  private failure: string | null = null;
  /** Set once the first worker has caught up: from then on a dead worker is replaced. */
  private following = false;
  private stopping = false;
  private restartDelayMs = FIRST_RESTART_DELAY_MS;
  private restartTimer: NodeJS.Timeout | null = null;
  private wakeScheduled = false;
  private readonly unsubscribe: Unsubscribe;
  /** The generation of the read store the worker writes (and this process reads). */
  private generation: string | null = null;
  /** What moves this process's reads to another generation (the query store). */
  private moveReaders: ((file: string) => Promise<void>) | null = null;
  /**
   * While the reads move to a new generation, the worker's positions (that file's) wait here:
   * the reads still on the old file must not be told it has them.
   */
  private heldBack: { position: bigint | null } | null = null;
  /** Old generations, with who still has them open (the worker, this process's readers). */
  private readonly leaving = new Map<string, { worker: boolean; readers: boolean }>();

  /** Starts the worker; resolves once it has opened the stores (the read store's file exists). */
  static async open(eventStore: EventStore, options: ProjectorThreadOptions): Promise<ProjectorThread> {
    const thread = new ProjectorThread(eventStore, options);
    await thread.opened;
    return thread;
  }

  private constructor(
    eventStore: EventStore,
    private readonly options: ProjectorThreadOptions,
  ) {
    this.spawn();
    // No wake-up in waitFor: the appends waited for are this thread's, and each woke the worker
    // (which also polls for other processes').
    this.unsubscribe = eventStore.onAppended(() => this.wake());
  }

  /** The generation of the read store the worker opened, and this process reads. */
  get file(): string {
    if (this.generation === null) throw new Error('The projector thread has not opened the read store yet');
    return this.generation;
  }

  /**
   * `move` moves this process's reads to another generation of the read store, once the worker has
   * caught it up; until it resolves, reads go on seeing the old one's positions.
   */
  followSwitches(move: (file: string) => Promise<void>): void {
    this.moveReaders = move;
  }

  /** Resolves once the worker has caught up with the log (it starts doing so when opened). */
  async start(): Promise<void> {
    await this.started;
    this.following = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.worker.postMessage('stop' satisfies ToProjector);
    await this.exited;
  }

  waitFor(position: bigint, timeoutMs = 5000): Promise<void> {
    return this.waiters.wait(position, timeoutMs);
  }

  /** Whether every projection has applied the event at `position` (what waitFor waits for). */
  hasApplied(position: bigint): boolean {
    return this.lowest !== null && this.lowest >= position;
  }

  get failing(): unknown {
    return this.failure;
  }

  private spawn(): void {
    const worker = new Worker(this.options.entry ?? BUILT_ENTRY, {
      resourceLimits: { maxYoungGenerationSizeMb: PROJECTOR_YOUNG_GENERATION_MB },
      workerData: {
        eventStoreFile: this.options.eventStoreFile,
        readStoreFile: this.options.readStoreFile,
        generationFile: this.generation ?? undefined,
        pollIntervalMs: this.options.pollIntervalMs,
        // A worker started in place of a dead one keeps catching up even while a batch keeps
        // failing: failing its start would only start another (readiness fails meanwhile).
        catchUpStallMs: this.following ? LONGEST_TIMER_MS : undefined,
      } satisfies ProjectorThreadData,
    });
    const opened = deferred();
    const started = deferred();
    this.opened = opened.promise;
    this.started = started.promise;
    let error: unknown = null;
    worker.on('message', (message: FromProjector) => {
      if (message.type === 'opened') {
        this.generation = message.file;
        opened.resolve();
      } else if (message.type === 'switched') this.switched(message.file, message.position);
      else if (message.type === 'released') this.left(message.file, 'worker');
      else if (message.type === 'started') {
        this.failure = null;
        this.restartDelayMs = FIRST_RESTART_DELAY_MS;
        this.reached(message.position);
        started.resolve();
      } else if (message.type === 'checkpoint') {
        this.failure = null;
        this.reached(message.position);
      } else {
        this.failure = `Projection ${message.projection} failed: ${message.message}`;
        this.options.onError(this.failure);
      }
    });
    worker.on('error', (thrown) => (error = threadError(thrown)));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        // Its connections are closed with it.
        for (const file of [...this.leaving.keys()]) this.left(file, 'worker');
        resolve();
        if (this.stopping) return;
        const died = `Projector thread exited with code ${code}${error ? `: ${String(error)}` : ''}`;
        // Before it has started, whoever awaits open() or start() learns why (the API does not start);
        // a read store the log cannot have produced is for the operator, and said as it is.
        const thrown = error as Error | undefined;
        const refusal =
          thrown?.name === 'ReadStoreAheadOfLogError'
            ? new ReadStoreAheadOfLogError(thrown.message)
            : thrown && DamagedReadStoreError.of(this.generation ?? this.options.readStoreFile, thrown);
        opened.reject(refusal ?? new Error(died));
        started.reject(refusal ?? new Error(died));
        if (this.following) this.restartLater(died);
      }),
    );
    this.worker = worker;
  }

  private restartLater(why: string): void {
    this.failure = `${why}; restarting`;
    this.options.onError(this.failure);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.spawn();
    }, this.restartDelayMs);
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, MAX_RESTART_DELAY_MS);
  }

  /**
   * One message per turn of the event loop, however many commands appended in it: each message can
   * cost this thread its time slice when the cores are busy (profiled: the largest single item).
   */
  private wake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.worker.postMessage('appended' satisfies ToProjector);
    });
  }

  private reached(position: bigint | null): void {
    if (this.heldBack) {
      this.heldBack.position = position;
      return;
    }
    this.lowest = position;
    this.waiters.release();
  }

  /** The worker writes `file` from now on, caught up to `position`: the reads move there first. */
  private switched(file: string, position: bigint | null): void {
    const previous = this.generation!;
    this.generation = file;
    this.leaving.set(previous, { worker: true, readers: this.moveReaders !== null });
    this.heldBack = { position };
    void this.moveReadersTo(file, previous);
  }

  private async moveReadersTo(file: string, previous: string): Promise<void> {
    try {
      await this.moveReaders?.(file);
    } catch (error) {
      // The reads stay on the old file, which holds every position they were told of.
      this.failure = `Moving the reads to ${file} failed: ${String(error)}; retrying`;
      this.options.onError(this.failure);
      // Unless the worker has switched again since: that move takes them to the newest.
      setTimeout(() => this.generation === file && void this.moveReadersTo(file, previous), READERS_RETRY_MS).unref();
      return;
    }
    this.left(previous, 'readers');
    // A later switch's move releases the positions once the reads are on its file.
    if (this.generation !== file) return;
    const { position } = this.heldBack!;
    this.heldBack = null;
    this.reached(position);
  }

  /** Once neither the worker nor the readers have an old generation open, it is removed. */
  private left(file: string, who: 'worker' | 'readers'): void {
    const open = this.leaving.get(file);
    if (!open) return;
    open[who] = false;
    if (open.worker || open.readers) return;
    this.leaving.delete(file);
    try {
      removeReadStoreFile(file);
      this.options.onRemoved?.(file);
    } catch (error) {
      this.options.onError(`Removing the old read store ${file} failed: ${String(error)}`);
    }
  }
}

/** A promise with its settling functions; settling it again is a no-op, and no rejection goes unhandled. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
