import type { EventStore, StoredEvent } from '../../libs/event-store/src/event-store.js';

/** Every event of the log, oldest first, read a thousand at a time. */
export async function wholeLog(store: Pick<EventStore, 'readAll'>): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let after: bigint | undefined; ; ) {
    const batch = await store.readAll({ after, limit: 1000 });
    if (batch.length === 0) return events;
    events.push(...batch);
    after = batch[batch.length - 1].position;
  }
}
