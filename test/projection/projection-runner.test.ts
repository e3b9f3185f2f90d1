import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewEvent, StoredEvent } from '../../libs/event-store/src/event-store.js';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite-event-store.js';
import { catalogProjection, CatalogCollections } from '../../libs/read-model/src/catalog/catalog.projection.js';
import type { Projection } from '../../libs/read-model/src/projection.js';
import { ProjectionRunner } from '../../libs/read-model/src/projection-runner.js';
import type { CollectionSpec, ReadStore } from '../../libs/read-model/src/read-store.js';
import { SqliteReadStore } from '../../libs/read-model/src/sqlite-read-store.js';

const org = '0b6f4a8e-5d2c-4c1e-9a7b-000000000001';
const venues = CatalogCollections.venues.name;

function venueDefined(id: number, name: string): NewEvent {
  return {
    type: 'VenueDefined',
    data: { Organization: org, VenueId: `v${id}`, Name: name, TimeZone: 'UTC', Address: null },
    metadata: {
      organization: org,
      actor: 'test',
      occurredAt: new Date(0).toISOString(),
      correlationId: 'c',
      causationId: null,
      schemaVersion: 1,
    },
  };
}

/** The store, but the second of the schema steps a start takes (a reset, creating collections) throws, as if the process died. */
function killedBeforeSecondSchemaStep(store: ReadStore): ReadStore {
  let steps = 0;
  const step = <T>(run: () => Promise<T>): Promise<T> => (++steps > 1 ? Promise.reject(new Error('killed')) : run());
  return new Proxy(store, {
    get(target, property) {
      if (property === 'reset') return (projection: string, collections: readonly string[]) => step(() => target.reset(projection, collections));
      if (property === 'ensureCollections') return (specs: readonly CollectionSpec[]) => step(() => target.ensureCollections(specs));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The real catalog projection, counting how many events it was asked to project. */
function counted(projection: Projection): Projection & { calls: StoredEvent[] } {
  const calls: StoredEvent[] = [];
  return { ...projection, calls, project: (event, view) => (calls.push(event), projection.project(event, view)) };
}

describe('projection runner on the embedded stores', () => {
  const dirs: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function stores(dir = mkdtempSync(join(tmpdir(), 'booking-runner-'))) {
    if (!dirs.includes(dir)) dirs.push(dir);
    const eventStore = new SqliteEventStore(join(dir, 'events.sqlite'));
    const readStore = new SqliteReadStore(join(dir, 'read.sqlite'));
    closers.push(async () => {
      await readStore.close();
      await eventStore.close();
    });
    return { dir, eventStore, readStore };
  }

  async function run(s: ReturnType<typeof stores>, projection: Projection, batchSize = 3) {
    const runner = new ProjectionRunner(s.eventStore, s.readStore, [projection], { batchSize, pollIntervalMs: 50 });
    await runner.start();
    closers.unshift(() => runner.stop());
    return runner;
  }

  const snapshot = (s: ReturnType<typeof stores>) =>
    s.readStore.find(venues, {}, { sort: [['_id', 1]] });

  it('catches up from the start in batches, then follows new appends live', async () => {
    const s = stores();
    for (let i = 1; i <= 7; i++) await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
    const runner = await run(s, catalogProjection);
    expect(await s.readStore.count(venues, {})).toBe(7);

    const { position } = await s.eventStore.append('venue-1', [venueDefined(1, 'Renamed')], 0n);
    await runner.waitFor(position, 2000);
    expect((await s.readStore.get(venues, `${org}:v1`))?.Name).toBe('Renamed');
    expect(runner.lowestCheckpoint()).toBe(position);
  });

  it('restarts from its stored checkpoint: only events after it are projected again', async () => {
    const s = stores();
    for (let i = 1; i <= 5; i++) await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
    const first = await run(s, catalogProjection);
    await first.stop();

    for (let i = 6; i <= 8; i++) await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
    const projection = counted(catalogProjection);
    await run(s, projection);
    expect(projection.calls.map((e) => e.streamId)).toEqual(['venue-6', 'venue-7', 'venue-8']);
    expect(await s.readStore.count(venues, {})).toBe(8);
  });

  it('never projects again the event at a checkpoint while another projection, further behind, replays past it', async () => {
    const s = stores();
    for (let i = 1; i <= 4; i++) await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
    await (await run(s, catalogProjection)).stop();
    for (let i = 5; i <= 6; i++) await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');

    // A projection new to this store: it replays from the start, in the same reads of the log.
    const added = counted({ name: 'added', collections: [{ name: 'added_rows', indexes: [] }], project: () => [] });
    const catalog = counted(catalogProjection);
    const runner = new ProjectionRunner(s.eventStore, s.readStore, [catalog, added], { batchSize: 3, pollIntervalMs: 50 });
    await runner.start();
    closers.unshift(() => runner.stop());

    expect(added.calls.map((e) => e.streamId)).toEqual(['venue-1', 'venue-2', 'venue-3', 'venue-4', 'venue-5', 'venue-6']);
    expect(catalog.calls.map((e) => e.streamId)).toEqual(['venue-5', 'venue-6']);
  });

  it('refuses to start on a read store that has applied more of the log than the log holds (another log), projecting nothing', async () => {
    const s = stores();
    for (let i = 1; i <= 5; i++) await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
    await (await run(s, catalogProjection)).stop();
    // The log as a backup taken after two events held it, beside the read store of all five.
    const logDir = mkdtempSync(join(tmpdir(), 'booking-runner-log-'));
    dirs.push(logDir);
    const restored = new SqliteEventStore(join(logDir, 'events.sqlite'));
    closers.push(() => restored.close());
    for (let i = 1; i <= 2; i++) await restored.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
    const projection = counted(catalogProjection);
    const runner = new ProjectionRunner(restored, s.readStore, [projection], { pollIntervalMs: 50 });
    await expect(runner.start()).rejects.toThrow(/^The read store is ahead of the event log: projection catalog has applied events up to position 5, but the log ends at 2\./);
    expect(projection.calls).toEqual([]);
  });

  /** Four venues projected by the catalog as it is, then that projection grown by a collection (a new model version). */
  async function beforeAModelChange() {
    const s = stores();
    for (let i = 1; i <= 4; i++) await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
    const first = await run(s, catalogProjection);
    const before = await snapshot(s);
    await first.stop();
    const grown = counted({ ...catalogProjection, collections: [...catalogProjection.collections, { name: 'catalog_new', indexes: [] }] });
    return { s, before, grown };
  }

  it('replays the whole history of a projection that gains a collection (a new model version)', async () => {
    const { s, before, grown } = await beforeAModelChange();
    await run(s, grown);
    expect(grown.calls.map((e) => e.streamId)).toEqual(['venue-1', 'venue-2', 'venue-3', 'venue-4']);
    expect(await snapshot(s)).toEqual(before);
  });

  it('replays on the next start when a start is killed between dropping the checkpoint and creating the collection', async () => {
    const { s, before, grown } = await beforeAModelChange();
    // The model change takes two durable steps (the checkpoint dropped, the collection created),
    // whichever comes first: the process dies before the second.
    const killed = new ProjectionRunner(s.eventStore, killedBeforeSecondSchemaStep(s.readStore), [grown], { pollIntervalMs: 50 });
    await expect(killed.start()).rejects.toThrow('killed');
    await killed.stop();

    await run(s, grown);
    expect(grown.calls.map((e) => e.streamId)).toEqual(['venue-1', 'venue-2', 'venue-3', 'venue-4']);
    expect(await snapshot(s)).toEqual(before);
  });

  it('catches up however long it takes while batches keep committing: the deadline is on a stall', async () => {
    const s = stores();
    for (let i = 1; i <= 30; i++) await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
    const slow: Projection = {
      ...catalogProjection,
      project: async (event, view) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return catalogProjection.project(event, view);
      },
    };
    const runner = new ProjectionRunner(s.eventStore, s.readStore, [slow], { batchSize: 1, pollIntervalMs: 50 });
    closers.unshift(() => runner.stop());
    // 30 batches of at least 20 ms each: 600 ms or more in all, a batch every 20 ms or so.
    await runner.start(400);
    expect(runner.checkpointOf(slow.name)).toBe(await s.eventStore.headPosition());
  });

  it('fails the start once no batch has committed for the stall deadline, saying why', async () => {
    const s = stores();
    await s.eventStore.append('venue-1', [venueDefined(1, 'Hall 1')], 'no_stream');
    const broken: Projection = {
      ...catalogProjection,
      project: () => {
        throw new Error('no such column: Hall');
      },
    };
    const runner = new ProjectionRunner(s.eventStore, s.readStore, [broken], { retryDelayMs: 10, pollIntervalMs: 50 });
    closers.unshift(() => runner.stop());
    await expect(runner.start(200)).rejects.toThrow(/no batch committed for 200 ms; last error: no such column: Hall/);
  });

  it('counts the stall deadline from the last committed batch, not from the start of the wait', async () => {
    const s = stores();
    await s.eventStore.append('venue-1', [venueDefined(1, 'Hall 1')], 'no_stream');
    await s.eventStore.append('venue-2', [venueDefined(2, 'Hall 2')], 'no_stream');
    const stuckOnSecond: Projection = {
      ...catalogProjection,
      project: (event, view) => {
        if (event.streamId === 'venue-2') throw new Error('stuck');
        return catalogProjection.project(event, view);
      },
    };
    const runner = new ProjectionRunner(s.eventStore, s.readStore, [stuckOnSecond], { batchSize: 1, retryDelayMs: 10, pollIntervalMs: 50 });
    closers.unshift(() => runner.stop());
    const started = performance.now();
    // The first batch commits at once, then nothing: the start fails about 1.5 s later, where a
    // deadline renewed by each window's progress would wait out a second window (3 s).
    await expect(runner.start(1500)).rejects.toThrow('no batch committed for 1500 ms; last error: stuck');
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('is idempotent: replaying events already applied changes nothing', async () => {
    const s = stores();
    for (let i = 1; i <= 4; i++) {
      await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
      await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i} renamed`)], 0n);
    }
    const runner = await run(s, catalogProjection);
    const before = await snapshot(s);
    await runner.stop();

    // Lose the checkpoint but keep the documents: everything is projected a second time.
    await s.readStore.runBatch(catalogProjection.name, async () => 0n);
    const projection = counted(catalogProjection);
    await run(s, projection);
    expect(projection.calls).toHaveLength(8);
    expect(await snapshot(s)).toEqual(before);
  });

  it('converges after a crash between writing documents and moving the checkpoint', async () => {
    const s = stores();
    const positions: bigint[] = [];
    for (let i = 1; i <= 6; i++) {
      positions.push((await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream')).position);
    }
    // A crashed run applied all six events' changes but its checkpoint only reached the third.
    const events = await s.eventStore.readAll({ limit: 100 });
    await s.readStore.ensureCollections(catalogProjection.collections);
    await s.readStore.runBatch(catalogProjection.name, async (session) => {
      for (const event of events) await session.apply(await catalogProjection.project(event, session));
      return positions[2];
    });

    await run(s, catalogProjection);
    const recovered = await snapshot(s);

    const fresh = stores();
    for (const event of events) await fresh.eventStore.append(event.streamId, [event], 'no_stream');
    await run(fresh, catalogProjection);
    expect(recovered).toEqual(await snapshot(fresh));
  });

  it('retries a failing batch without moving the checkpoint, then catches up', async () => {
    const s = stores();
    for (let i = 1; i <= 4; i++) await s.eventStore.append(`venue-${i}`, [venueDefined(i, `Hall ${i}`)], 'no_stream');
    let failures = 0;
    const flaky: Projection = {
      ...catalogProjection,
      project: (event, view) => {
        if (event.streamId === 'venue-3' && failures++ < 2) throw new Error('transient failure');
        return catalogProjection.project(event, view);
      },
    };
    const runner = new ProjectionRunner(s.eventStore, s.readStore, [flaky], { batchSize: 10, retryDelayMs: 10 });
    closers.unshift(() => runner.stop());
    await runner.start();
    expect(failures).toBe(3);
    expect(await s.readStore.count(venues, {})).toBe(4);
  });
});
