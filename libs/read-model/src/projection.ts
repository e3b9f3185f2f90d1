import type { StoredEvent } from '../../event-store/src/event-store.js';
import type { Change, CollectionSpec, ReadStore, ReadView } from './read-store.js';

/**
 * A projection turns one stored event into document changes. It may read (its own collections,
 * through `view`, which includes the changes of earlier events of the same batch) but never
 * writes directly: the runner applies the returned changes and moves the checkpoint. Changes must
 * be idempotent so that replaying an event already applied changes nothing.
 */
export interface Projection {
  readonly name: string;
  /** The collections this projection owns (created on start, emptied on rebuild). */
  readonly collections: readonly CollectionSpec[];
  project(event: StoredEvent, view: ReadView): Promise<readonly Change[]> | readonly Change[];
}

/**
 * Applies `events` to projections standing at the same checkpoint in one read-store batch (one
 * transaction on SQLite), whose checkpoint becomes `last` for each of them.
 */
export function applyInOneBatch(store: ReadStore, group: readonly Projection[], events: readonly StoredEvent[], last: bigint): Promise<void> {
  return store.runBatch(
    group.map((projection) => projection.name),
    async (session) => {
      for (const event of events) {
        // Each projection reads only its own collections, so interleaving them per event is safe.
        for (const projection of group) {
          const changes = await projection.project(event, session);
          if (changes.length > 0) await session.apply(changes);
        }
      }
      return last;
    },
  );
}
