import type { AppendResult, EventStore, ExpectedRevision, NewEvent, Unsubscribe } from './event-store.js';
import { ForwardingEventStore } from './forwarding-event-store.js';

/**
 * Told the position of each committed append to a stream whose id starts with the watched prefix,
 * and the organization it was made for (every event of an append carries the same one).
 */
export type AppendWatcher = (position: bigint, organization: string) => void;

/**
 * An EventStore decorator that tells watchers about the appends made through it to the streams
 * they watch (by stream id prefix), once committed. Appends of other processes go unseen.
 */
export class StreamWatchingEventStore extends ForwardingEventStore {
  private readonly watchers = new Set<{ prefix: string; watcher: AppendWatcher }>();

  constructor(inner: EventStore) {
    super(inner);
  }

  watch(prefix: string, watcher: AppendWatcher): Unsubscribe {
    const entry = { prefix, watcher };
    this.watchers.add(entry);
    return () => {
      this.watchers.delete(entry);
    };
  }

  override async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const result = await this.inner.append(streamId, events, expected);
    const { organization } = events[0].metadata;
    for (const { prefix, watcher } of this.watchers) if (streamId.startsWith(prefix)) watcher(result.position, organization);
    return result;
  }
}
