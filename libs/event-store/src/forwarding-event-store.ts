import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  Unsubscribe,
} from './event-store.js';

/**
 * Base of the EventStore decorators (hash chain, upcasting, timing): forwards every call to the
 * wrapped store, so a decorator overrides only what it changes.
 */
export abstract class ForwardingEventStore implements EventStore {
  constructor(protected readonly inner: EventStore) {}

  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, events, expected);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return this.inner.readStream(streamId, options);
  }

  readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    return this.inner.readAll(options);
  }

  readTypes(options: ReadAllOptions, types: readonly string[]): Promise<{ events: StoredEvent[]; last: bigint | null }> {
    return this.inner.readTypes(options, types);
  }

  loadCheckpoint(subscriber: string): Promise<bigint | null | undefined> {
    return this.inner.loadCheckpoint(subscriber);
  }

  saveCheckpoint(subscriber: string, position: bigint | null): Promise<void> {
    return this.inner.saveCheckpoint(subscriber, position);
  }

  headPosition(): Promise<bigint | null> {
    return this.inner.headPosition();
  }

  onAppended(listener: () => void): Unsubscribe {
    return this.inner.onAppended(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
