/**
 * A rebuild from scratch on several cores. The projection that declares a `partitioning` (the
 * registrations, most of a replay's work) is split by stream: this thread replays its largest
 * partition into the store; the first worker thread replays partition 0 and every other
 * projection into a file of its own, each further worker one more partition; their files are then
 * copied into the store. Every thread reads the log itself, leaving out the other partitions'
 * streams; the first worker still reads their events of the types the other projections declare
 * (`eventTypes`: all of them when one declares none).
 *
 * The other projections are the worker's, not this thread's (session 29), for the copy: their
 * documents are small (at 1,000,000 registrations, 1,017,994 roster entries of about 160 bytes
 * against registration rows of about 2.8 KB) and go into empty tables, which SQLite copies record
 * by record (copyCollectionRows), so the copy moves 5 buckets of rows instead of 11. The same
 * work (the other projections and 5 buckets) also ended 4–10 s sooner on the worker than on this
 * thread, likely for its larger young generation (in profiles the GC took 16 % of this thread's
 * first 20 s, about 10 % of the worker's). At 1M, alternated with the build before, in a scratch
 * build that printed the steps' times: the copy 5.4–9.7 s against 15.7–19.6, the replays ending
 * within 2–6 s of each other, `projections rebuild` 15–22 s shorter in each of four pairs
 * (77.1–95.6 s against 96.9–118.1).
 */
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { EventStore } from '../../../event-store/src/event-store.js';
import type { Projection } from '../../../read-model/src/projection.js';
import type { SqliteReadStore } from '../../../read-model/src/sqlite-read-store.js';
import { catchUp } from './projection-rebuild.js';
import { inPartition, partitionsOf, replayPart } from './rebuild-partition.js';
import { SqliteEventStore, type StreamPart } from '../../../event-store/src/sqlite-event-store.js';
import { startStoppableWorker, type StoppableWorker } from '../../../sqlite-support/src/stoppable-worker.js';

/** What a worker replays (rebuild-partition.worker.ts). */
export interface PartitionJob {
  eventsFile: string;
  storeFile: string;
  projection: string;
  part: StreamPart;
  /** The other projections, replayed whole beside the partition (the first worker's; by name, as `projection`). */
  others: string[];
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
 * (closing the store waits for that). Only the service's own projections (`allProjections`) can
 * be replayed this way: a worker finds them by name. Resolves once the store holds every document
 * and checkpoint; `partitionsRemoved` settles when the workers' files are gone, a removal left
 * running on libuv's threads because it overlaps the index build (at 1M, 2–3 s of this thread for
 * the 3 GB file).
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
  const [besideOthers, own, ...more] = partitionsOf(split, count);
  const others = projections.filter((projection) => projection !== split);
  const jobs = [{ part: besideOthers, others }, ...more.map((part) => ({ part, others: [] }))];
  const files = jobs.map((_, i) => `${options.storeFile}.partition-${i + 1}`);
  const workers = jobs.map(({ part, others: beside }, i) =>
    startWorker({
      eventsFile: options.eventsFile,
      storeFile: files[i],
      projection: split.name,
      part,
      others: beside.map((projection) => projection.name),
      target: end.toString(),
    }),
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
    const replay = withLog(options.eventsFile, (log) => replayPart(log, store, [inPartition(split, own)], own, end, { signal: stop.signal }));
    await Promise.race([replay, failed]);
    await Promise.race([workersDone, failed]);
    for (const [i, { others: beside }] of jobs.entries()) {
      const collections = [...beside.flatMap((projection) => projection.collections.map((collection) => collection.name)), ...split.partitioning!.collections];
      await store.copyDocumentsFrom(files[i], collections, beside.map((projection) => projection.name));
    }
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

function startWorker(job: PartitionJob): StoppableWorker {
  return startStoppableWorker(BUILT_ENTRY, { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } }, `Rebuild partition ${job.storeFile}`);
}
