import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ReadStreamOptions, StoredEvent } from '../../../event-store/src/event-store.js';
import { ForwardingEventStore } from '../../../event-store/src/forwarding-event-store.js';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import type { CommandContext } from './command-context.js';
import { EventSourcedStreams } from './event-sourced-streams.js';

type Added = { type: 'Added'; data: { by: number } };
const counter = { initialState: 0, evolve: (total: number, event: Added) => total + event.data.by };
const add = (by: number) => (): Added[] => [{ type: 'Added', data: { by } }];
const context: CommandContext = { organization: 'org', actor: 'alice', correlationId: 'req-1', now: new Date(0) };

/** Counts the stream reads that reach the store. */
class CountingReads extends ForwardingEventStore {
  reads = 0;
  override readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    this.reads++;
    return super.readStream(streamId, options);
  }
}

describe('EventSourcedStreams.update with the stream the caller loaded', () => {
  let store: CountingReads;
  let streams: EventSourcedStreams;

  beforeEach(() => {
    store = new CountingReads(new SqliteEventStore(':memory:'));
    streams = new EventSourcedStreams(store);
  });
  afterEach(() => store.close());

  it('decides on it without reading the stream again', async () => {
    await streams.update('s', counter, add(1), context);
    const loaded = await streams.load('s', counter);
    store.reads = 0;
    const result = await streams.update('s', counter, (total) => [{ type: 'Added', data: { by: total } }], context, loaded);
    expect(store.reads).toBe(0);
    expect(result.after).toBe(2);
  });

  it('reloads and decides again when another writer appended since it was loaded', async () => {
    const loaded = await streams.load('s', counter);
    await new EventSourcedStreams(store).update('s', counter, add(10), context);
    const seen: number[] = [];
    const result = await streams.update(
      's',
      counter,
      (total) => {
        seen.push(total);
        return [{ type: 'Added', data: { by: 1 } }];
      },
      context,
      loaded,
    );
    expect(seen).toEqual([0, 10]);
    expect(result).toMatchObject({ before: 10, after: 11 });
    expect((await store.readStream('s')).map((event) => event.data.by)).toEqual([10, 1]);
  });
});
