import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import { streamPages } from './stream-pages.js';

const metadata = { organization: 'org', actor: 'alice', correlationId: 'req-1', causationId: null, occurredAt: '2026-03-01T17:00:00.000Z', schemaVersion: 1 };

describe('streamPages', () => {
  let store: SqliteEventStore;
  beforeEach(async () => {
    store = new SqliteEventStore(':memory:');
    await store.append('s', Array.from({ length: 25 }, (_, i) => ({ type: 'Counted', data: { I: i }, metadata })), 'no_stream');
    await store.append('t', Array.from({ length: 20 }, (_, i) => ({ type: 'Counted', data: { I: i }, metadata })), 'no_stream');
  });
  afterEach(() => store.close());

  async function pages(streamId: string, fromRevision?: bigint): Promise<number[][]> {
    const read: number[][] = [];
    for await (const page of streamPages(store, streamId, fromRevision, 10)) read.push(page.map((e) => e.data.I as number));
    return read;
  }

  it('gives a stream in pages, in order, from a revision', async () => {
    const whole = await pages('s');
    expect(whole.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(whole.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect((await pages('s', 7n)).flat()).toEqual(Array.from({ length: 18 }, (_, i) => i + 7));
  });

  it('ends on a full last page, and gives nothing for a stream that is not there', async () => {
    expect((await pages('t')).map((page) => page.length)).toEqual([10, 10]);
    expect(await pages('none')).toEqual([]);
  });
});
