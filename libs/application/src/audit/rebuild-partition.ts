/**
 * The partitions of a parallel rebuild (parallel-rebuild.ts): a partitioned projection's streams
 * split by their bucket (`streamBucket`, the last character of the id), each partition replaying
 * its own streams and every other stream; the others' streams are not even read.
 */
import type { StoredEvent } from '../../../event-store/src/event-store.js';
import { type SqliteEventStore, type StreamPart, streamBucket } from '../../../event-store/src/sqlite-event-store.js';
import { type Projection, projectEvent } from '../../../read-model/src/projection.js';
import type { ReadStore } from '../../../read-model/src/read-store.js';
import { eventSchemas } from './audited-event-store.js';
import { betweenReads } from './projection-rebuild.js';

/** Buckets 0 (ids not ending in a hex digit: none in practice) to 16. */
const BUCKETS = 17;

/**
 * Hex buckets of 16 in partition 0, which the first worker thread replays beside the other
 * projections (parallel-rebuild.ts); the main thread takes the rest. At 1,000,000 registrations
 * those replay alone in 35.0 s and 5 buckets in 29.8 s. With 5, the two threads' replays ended 2–6
 * s apart; with 6 the worker ended 13 s after the main thread, with 4 the main thread ended last
 * (one run each, session 29).
 */
const BESIDE_OTHERS_BUCKETS = 5;

/** The partitions of a projection's streams, by bucket ranges: the first (beside the other projections) smaller, the rest even. */
export function partitionsOf(projection: Projection, count: number): StreamPart[] {
  const { streamPrefix } = projection.partitioning!;
  const first = BESIDE_OTHERS_BUCKETS;
  const rest = BUCKETS - 1 - first;
  return Array.from({ length: count }, (_, index): StreamPart => {
    if (index === 0) return { streamPrefix, buckets: [0, first] };
    const from = first + 1 + Math.floor(((index - 1) * rest) / (count - 1));
    const to = first + Math.floor((index * rest) / (count - 1));
    return { streamPrefix, buckets: [from, to] };
  });
}

/** Whether a partition replays a stream's events: its own partitioned streams, and every other stream. */
export function replays({ streamPrefix, buckets: [from, to] }: StreamPart): (streamId: string) => boolean {
  return (streamId) => {
    if (!streamId.startsWith(streamPrefix)) return true;
    const bucket = streamBucket(streamId);
    return bucket >= from && bucket <= to;
  };
}

/**
 * What a thread reads of the log to replay `part` beside `others` (other projections, whole): the
 * part's streams and every other stream, and of the other partitions' streams the events of the
 * types `others` declare (every event when one of them declares none).
 */
export function readFor(part: StreamPart, others: readonly Projection[]): StreamPart {
  if (others.length === 0) return part;
  if (others.every((projection) => projection.eventTypes)) return { ...part, alsoTypes: [...new Set(others.flatMap((projection) => projection.eventTypes!))] };
  return { ...part, buckets: [0, BUCKETS - 1] };
}

/** The projection as one partition applies it: the events of other partitions' streams change nothing. */
export function inPartition(projection: Projection, part: StreamPart): Projection {
  const own = replays(part);
  return {
    name: projection.name,
    collections: projection.collections,
    project: (event: StoredEvent, view) => (own(event.streamId) ? projection.project(event, view) : []),
  };
}

/**
 * Positions per batch of a partition's replay (`catchUp` keeps 20,000: it reads a batch at once).
 * A batch writes each document it changed once, so what counts is how often a document changes
 * within one: at 1,000,000 registrations over 10,000 exam events, a batch of 20,000 positions
 * placed about 4,000 registrations, and nearly each one read, re-serialised and rewrote its exam
 * event's document (at 10,000 registrations over 100 events, one write served 40). With 200,000,
 * the thread replaying the exam events took 32.6 → 24.1–26.6 s of CPU over the first 2,000,000
 * positions of the 1M log (the registrations' partition: no change in the noise), and each thread
 * holds 70–140 MB more (rebuild storage lets a batch hold that many documents).
 */
export const PARTITION_BATCH = 200_000;

/**
 * Events a partition reads at a time within a batch: a batch's events are then garbage young
 * instead of living through the whole batch, which made every scavenge copy tens of megabytes of
 * them (and promote them to be marked again) in batches of 20,000.
 */
const READ_CHUNK = 2_000;

/**
 * Replays one part of the log (`SqliteEventStore.readAllOfPart`), from its beginning up to
 * `target` (inclusive), into `store` (fresh, its collections ensured), for projections that
 * change nothing for the events left out. Events are upcast as `auditedEventStore` reads them.
 * Each batch covers `batch` positions, read `chunk` at a time (the defaults but in tests). Once
 * `signal` aborts, it stops at its next chunk or commit, whichever comes first, with the abort's
 * reason, its batch rolled back.
 */
export async function replayPart(
  log: SqliteEventStore,
  store: ReadStore,
  projections: readonly Projection[],
  part: StreamPart,
  target: bigint,
  { batch = PARTITION_BATCH, chunk = READ_CHUNK, signal }: { batch?: number; chunk?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const names = projections.map((projection) => projection.name);
  let after = 0n;
  let ended = false;
  while (after < target && !ended) {
    await store.runBatch(names, async (session) => {
      for (let read = 0; read < batch && after < target; read += chunk) {
        await betweenReads(signal);
        const { events, last } = await log.readAllOfPart({ after, limit: chunk }, part);
        if (last === null) {
          ended = true;
          break;
        }
        const reached = last < target ? last : target;
        for (const event of events) if (event.position <= reached) await projectEvent(session, projections, eventSchemas.upcast(event));
        after = reached;
      }
      // Aborted while projecting the chunk it had read: the batch is not committed either.
      signal?.throwIfAborted();
      return after;
    });
  }
}
