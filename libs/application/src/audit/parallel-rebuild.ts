/**
 * A rebuild from scratch on several cores. The projection that declares a `partitioning` (the
 * registrations, most of a replay's work) is split by stream: this thread replays every other
 * projection and partition 0 into the store, each worker thread one more partition into a file of
 * its own, which is then copied into the store. Every thread reads the log itself, leaving out
 * the other partitions' streams; this one still reads their events of the types the other
 * projections declare (`eventTypes`: all of them when one declares none).
 */
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EventStore } from '../../../event-store/src/event-store.js';
import type { Projection } from '../../../read-model/src/projection.js';
import type { SqliteReadStore } from '../../../read-model/src/sqlite-read-store.js';
import { catchUp } from './projection-rebuild.js';
import { inPartition, partitionsOf, replayPart } from './rebuild-partition.js';
import { SqliteEventStore, type StreamPart } from '../../../event-store/src/sqlite-event-store.js';
import { threadError } from '../../../sqlite-support/src/thread-errors.js';

/** What a worker replays (rebuild-partition.worker.ts). */
export interface PartitionJob {
  eventsFile: string;
  storeFile: string;
  projection: string;
  part: StreamPart;
  /** The position to replay to, as text (a bigint does not cross to a worker). */
  target: string;
}

/**
 * Beyond two, each thread reads the whole log again and its partition is copied afterwards;
 * only two have been measured (on two cores).
 */
const MAX_THREADS = 2;

/**
 * The compiled worker. Tests run this module from the TypeScript sources, which a worker thread
 * cannot load, so they use the build (`npm test` builds first).
 */
const BUILT_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? '../../../../dist/libs/application/src/audit/rebuild-partition.worker.js' : './rebuild-partition.worker.js',
  import.meta.url,
);

export interface ParallelRebuild {
  /** The log; `eventsFile` is its SQLite file, which workers open themselves. */
  eventStore: EventStore;
  eventsFile: string;
  /** Fresh storage opened with `rebuild`, its collections ensured; `storeFile` is its file. */
  store: SqliteReadStore;
  storeFile: string;
  projections: readonly Projection[];
  target: bigint | null;
  /** Threads to use, this one included (default: the cores, at most MAX_THREADS). */
  threads?: number;
  /** Once aborted, the rebuild stops as on a worker's failure, with the abort's reason. */
  signal?: AbortSignal;
}

/**
 * Builds `projections` from the beginning of the log up to `target` into the fresh `store`. A
 * worker's failure fails it at once, while this thread may still be in a batch: its replay then
 * stops at its next read of the log or commit, whichever comes first, the batch rolled back
 * (closing the store waits for that; a replay without `eventTypes` stops before its next batch).
 * Resolves once the store holds every document; `partitionsRemoved` settles when the workers'
 * files are gone, a removal left running on libuv's threads because it overlaps the index build
 * (at 1M, 2–3 s of this thread for the 3 GB file).
 */
export async function rebuildInParallel(options: ParallelRebuild): Promise<{ partitionsRemoved: Promise<void> }> {
  const { eventStore, store, projections, target } = options;
  const nothingToRemove = { partitionsRemoved: Promise.resolve() };
  const split = projections.find((projection) => projection.partitioning);
  const count = options.threads ?? Math.min(availableParallelism(), MAX_THREADS);
  if (target === null || split === undefined || count < 2) {
    await catchUp(eventStore, store, projections, target, options.signal);
    return nothingToRemove;
  }
  // Past the head, each thread would stop wherever the log ended when it got there (an empty log:
  // at position 0, recorded as a checkpoint); all must stop at the same position.
  const head = await eventStore.headPosition();
  if (head === null) return nothingToRemove;
  const end = target < head ? target : head;

  options.signal?.throwIfAborted();
  const [first, ...rest] = partitionsOf(split, count);
  const files = rest.map((_, i) => `${options.storeFile}.partition-${i + 1}`);
  const workers = rest.map((part, i) =>
    startWorker({ eventsFile: options.eventsFile, storeFile: files[i], projection: split.name, part, target: end.toString() }),
  );
  const workersDone = Promise.all(workers.map((worker) => worker.done));
  // Aborted by a worker's failure, or from outside (the operator), with the reason.
  const stop = new AbortController();
  const failed = new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true }));
  workersDone.catch((error: unknown) => stop.abort(error));
  const outside = options.signal;
  // Not aborted yet: checked before the workers started.
  const interrupted = () => stop.abort(outside!.reason);
  outside?.addEventListener('abort', interrupted, { once: true });
  // Settled here too: when this thread fails first, nobody waits for it.
  failed.catch(() => undefined);
  try {
    const own = projections.map((projection) => (projection === split ? inPartition(projection, first) : projection));
    const others = projections.filter((projection) => projection !== split);
    let replay: Promise<void>;
    if (others.every((projection) => projection.eventTypes)) {
      // Of the other partitions' streams, only the events the other projections need are read.
      const alsoTypes = [...new Set(others.flatMap((projection) => projection.eventTypes!))];
      replay = withLog(options.eventsFile, (log) => replayPart(log, store, own, { ...first, alsoTypes }, end, { signal: stop.signal }));
    } else {
      replay = catchUp(eventStore, store, own, end, stop.signal);
    }
    await Promise.race([replay, failed]);
    await Promise.race([workersDone, failed]);
    for (const file of files) await store.copyDocumentsFrom(file, split.partitioning!.collections);
  } catch (error) {
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    // Rebuild storage journals in memory: the file is all there is.
    for (const file of files) rmSync(file, { force: true });
    throw error;
  } finally {
    outside?.removeEventListener('abort', interrupted);
  }
  await Promise.allSettled(workers.map((worker) => worker.stop()));
  const partitionsRemoved = Promise.all(files.map((file) => rm(file, { force: true }))).then(() => undefined);
  // Settled here too: the caller awaits it only after the index build.
  partitionsRemoved.catch(() => undefined);
  return { partitionsRemoved };
}

async function withLog(eventsFile: string, work: (log: SqliteEventStore) => Promise<void>): Promise<void> {
  const log = new SqliteEventStore(eventsFile);
  try {
    await work(log);
  } finally {
    await log.close();
  }
}

/**
 * A worker's young generation (MB; V8's default gives 48): a replay allocates about 6 KB per event
 * it reads, and each scavenge copies the batch's held documents again. With 96, the worker's
 * scavenges over the bench's log (168,249 events) went from 55 to 39 and their pauses from
 * 469–673 to 349–400 ms (this thread keeps the process's default: no flag can change it here).
 */
const WORKER_YOUNG_GENERATION_MB = 96;

function startWorker(job: PartitionJob): { done: Promise<void>; stop: () => Promise<number> } {
  const worker = new Worker(BUILT_ENTRY, { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('error', (thrown) => reject(threadError(thrown)));
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`Rebuild partition ${job.storeFile} stopped with exit code ${code}`))));
  });
  // Settled here too: a failure of this thread first must not leave it unhandled.
  done.catch(() => undefined);
  return { done, stop: () => worker.terminate() };
}
