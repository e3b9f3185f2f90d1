/**
 * Seeding appends millions of new streams. The SQLite event store commits the appends made in one
 * turn of the event loop together (group commit), so a batch of appends issued at once costs one
 * commit; the hash chain of a new stream needs no read, so it does not split the batch.
 */
import type { EventStore } from '../../libs/event-store/src/event-store.js';
import type { StreamAppend } from './registration-history.js';

/** Appends every stream as new; returns the position of the last event (null when none). */
export async function inBatch(eventStore: EventStore, appends: readonly StreamAppend[]): Promise<bigint | null> {
  const appended = appends.filter(({ events }) => events.length > 0).map(({ streamId, events }) => eventStore.append(streamId, events, 'no_stream'));
  // A failed append fails only its own: stop the seed rather than continue with gaps.
  const results = await Promise.all(appended);
  return results.at(-1)?.position ?? null;
}
