/**
 * One partition of a parallel rebuild (parallel-rebuild.ts): a partitioned projection replayed
 * over its own streams and every other stream, the others' streams read but not parsed.
 */
import type { StoredEvent } from '../../../event-store/src/event-store.js';
import type { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import { applyInOneBatch, type Partitioning, type Projection } from '../../../read-model/src/projection.js';
import type { ReadStore } from '../../../read-model/src/read-store.js';
import { eventSchemas } from './audited-event-store.js';
import { BATCH } from './projection-rebuild.js';

/** The partition (0 … count − 1) a stream belongs to: FNV-1a of its id, stable across processes. */
export function partitionOf(streamId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) hash = Math.imul(hash ^ streamId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % count;
}

/** Whether a partition replays a stream's events: its own partitioned streams, and every other stream. */
export function replays({ streamPrefix }: Partitioning, index: number, count: number): (streamId: string) => boolean {
  return (streamId) => !streamId.startsWith(streamPrefix) || partitionOf(streamId, count) === index;
}

/** The projection as one partition applies it: the events of other partitions' streams change nothing. */
export function inPartition(projection: Projection, index: number, count: number): Projection {
  const own = replays(projection.partitioning!, index, count);
  return {
    name: projection.name,
    collections: projection.collections,
    project: (event: StoredEvent, view) => (own(event.streamId) ? projection.project(event, view) : []),
  };
}

/**
 * Replays one partition of the log, from its beginning up to `target` (inclusive), into `store`
 * (fresh, its collections ensured). Events are upcast as `auditedEventStore` reads them.
 */
export async function replayPartition(
  log: SqliteEventStore,
  store: ReadStore,
  projection: Projection,
  index: number,
  count: number,
  target: bigint,
): Promise<void> {
  const own = inPartition(projection, index, count);
  const wanted = replays(projection.partitioning!, index, count);
  let after = 0n;
  while (after < target) {
    const { events, last } = await log.readAllWanted({ after, limit: BATCH }, wanted);
    if (last === null) return;
    const reached = last < target ? last : target;
    const batch = events.filter((event) => event.position <= reached).map((event) => eventSchemas.upcast(event));
    await applyInOneBatch(store, [own], batch, reached);
    after = reached;
  }
}
