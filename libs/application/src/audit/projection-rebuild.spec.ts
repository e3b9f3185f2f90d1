import type { EventStore, StoredEvent } from '../../../event-store/src/event-store.js';
import type { Projection } from '../../../read-model/src/projection.js';
import { SqliteReadStore } from '../../../read-model/src/sqlite-read-store.js';
import { catchUp, type ComparedStore, compareProjection } from './projection-rebuild.js';

/** A log holding exactly these positions (a rolled-back append leaves a gap). */
function logWith(positions: readonly number[]): EventStore {
  const events = positions.map(
    (position): StoredEvent => ({
      streamId: 's',
      revision: BigInt(position),
      position: BigInt(position),
      type: 'Happened',
      data: {},
      metadata: { organization: 'o', actor: 'test', occurredAt: new Date(0).toISOString(), correlationId: 'c', causationId: null, schemaVersion: 1 },
    }),
  );
  return {
    readAll: async ({ after, limit }: { after?: bigint; limit: number }) => events.filter((e) => e.position > (after ?? 0n)).slice(0, limit),
  } as unknown as EventStore;
}

/** Records each event it projects, as a document of its own collection. */
function recording(name: string): Projection & { projected: bigint[] } {
  const projected: bigint[] = [];
  return {
    name,
    projected,
    collections: [{ name, indexes: [] }],
    project: (event) => {
      projected.push(event.position);
      return [{ kind: 'upsert', collection: name, doc: { _id: String(event.position) } }];
    },
  };
}

describe('catchUp (the rebuild replay)', () => {
  let store: SqliteReadStore;
  beforeEach(() => {
    store = new SqliteReadStore(':memory:', { rebuild: true });
  });
  afterEach(() => store.close());

  it('brings a projection that is behind up to the others, then applies each event once to each, up to the target', async () => {
    const log = logWith([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [ahead, behind] = [recording('ahead'), recording('behind')];
    await store.ensureCollections([...ahead.collections, ...behind.collections]);
    await catchUp(log, store, [ahead], 3n);
    await catchUp(log, store, [ahead, behind], 8n);
    expect(ahead.projected).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    expect(behind.projected).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    expect(await store.getCheckpoint('ahead')).toBe(8n);
    expect(await store.getCheckpoint('behind')).toBe(8n);
    expect((await store.find('behind', {})).length).toBe(8);
  });

  it('reaches a position no event holds (a gap in the log): the projections meet there and go on together', async () => {
    const log = logWith([1, 2, 5, 6]);
    const [ahead, behind] = [recording('ahead'), recording('behind')];
    await store.ensureCollections([...ahead.collections, ...behind.collections]);
    // The live projection stands at 4: the last position it was asked about, in the gap.
    await store.runBatch('ahead', async () => 4n);
    await catchUp(log, store, [ahead, behind], 6n);
    expect(behind.projected).toEqual([1n, 2n, 5n, 6n]);
    expect(ahead.projected).toEqual([5n, 6n]);
    expect(await store.getCheckpoint('behind')).toBe(6n);
  });
});

describe('compareProjection', () => {
  const people: Projection = { name: 'people', collections: [{ name: 'people', indexes: [], views: { card: ['Name'] } }], project: async () => [] };
  const page = [
    { _id: 'a', Name: 'Ada' },
    { _id: 'b', Name: 'Bob' },
  ];
  const store = (views: Record<string, string | null>): ComparedStore => ({
    find: async () => page,
    getView: async (_collection, id) => views[id] ?? null,
  });

  it('compares each document with its own views, also when one vanished between the reads', async () => {
    const rebuilt = store({ a: '{"Name":"Ada"}', b: '{"Name":"Bob"}' });
    // The live projector deleted "a" after its page was read: its view is gone, "b"'s is intact.
    const live = store({ b: '{"Name":"Bob"}' });
    expect(await compareProjection(people, rebuilt, live)).toEqual([
      { projection: 'people', collection: 'people', id: 'a', kind: 'different', fields: ['card view: Name'] },
    ]);
  });

  it('stops before its next page once its signal aborted, with the reason', async () => {
    const reason = new Error('stopped by the operator');
    const same = store({ a: '{"Name":"Ada"}', b: '{"Name":"Bob"}' });
    await expect(compareProjection(people, same, same, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(await compareProjection(people, same, same, new AbortController().signal)).toEqual([]);
  });
});
