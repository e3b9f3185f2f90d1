import type { StoredEvent } from '../../event-store/src/event-store.js';
import type { Change, CollectionSpec, ProjectionSession, ReadStore, ReadView } from './read-store.js';

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
  /**
   * When declared, every event type `project` may return changes for: a rebuild may leave the
   * others unread (see parallel-rebuild.ts).
   */
  readonly eventTypes?: readonly string[];
  /** Declared by a projection a rebuild may split across threads (see parallel-rebuild.ts). */
  readonly partitioning?: Partitioning;
}

/**
 * The events of each stream starting with `streamPrefix` change only documents of `collections`
 * that no other stream's events create or delete, and every other event the projection handles
 * treats each of those documents alike (an `updateMany`, say). So the streams can be split into
 * partitions, each replaying its own streams and all other events into storage of its own; the
 * partitions' `collections` together, and any one partition's other collections, make the whole.
 */
export interface Partitioning {
  readonly streamPrefix: string;
  readonly collections: readonly string[];
}

/**
 * Applies `events` to projections standing at the same checkpoint in one read-store batch (one
 * transaction on SQLite), whose checkpoint becomes `last` for each of them.
 */
export function applyInOneBatch(store: ReadStore, group: readonly Projection[], events: readonly StoredEvent[], last: bigint): Promise<void> {
  return store.runBatch(
    group.map((projection) => projection.name),
    async (session) => {
      for (const event of events) await projectEvent(session, group, event);
      return last;
    },
  );
}

/** Applies one event to each projection of a group, in a batch's session. */
export async function projectEvent(session: ProjectionSession, group: readonly Projection[], event: StoredEvent): Promise<void> {
  // Each projection reads only its own collections, so interleaving them per event is safe.
  for (const projection of group) {
    const changes = await projection.project(event, session);
    if (changes.length > 0) await session.apply(changes);
  }
}
