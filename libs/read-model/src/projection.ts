import type { StoredEvent } from '../../event-store/src/event-store.js';
import type { Change, CollectionSpec, ReadView } from './read-store.js';

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
