/**
 * Seeding appends millions of new streams. The SQLite event store commits (and fsyncs) each
 * append on its own; here a batch of appends runs inside one outer transaction, so each append
 * becomes a savepoint and the batch costs one commit. The store's appends are synchronous inside
 * their async wrapper, which is what lets them join the outer transaction.
 */
import type Database from 'better-sqlite3';
import type { SqliteEventStore } from '../../libs/event-store/src/sqlite-event-store.js';
import type { StreamAppend } from './registration-history.js';

/** Appends every stream as new; returns the position of the last event (null when none). */
export async function inBatch(eventStore: SqliteEventStore, appends: readonly StreamAppend[]): Promise<bigint | null> {
  // The connection is private to the store; seeding is the one place that borrows it.
  const db = (eventStore as unknown as { db: Database.Database }).db;
  const pending: Array<Promise<{ position: bigint }>> = [];
  db.transaction(() => {
    for (const { streamId, events } of appends) {
      if (events.length > 0) pending.push(eventStore.append(streamId, events, 'no_stream'));
    }
  }).immediate();
  // A failed append rolled back only its own savepoint: stop the seed rather than continue with gaps.
  const results = await Promise.all(pending);
  return results.at(-1)?.position ?? null;
}
