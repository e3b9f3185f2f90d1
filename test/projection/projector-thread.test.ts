import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectorThread } from '../../apps/api/src/infrastructure/projector-thread.js';
import type { NewEvent } from '../../libs/event-store/src/event-store.js';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite-event-store.js';
import { CatalogCollections, catalogKey } from '../../libs/read-model/src/catalog/catalog.projection.js';
import { ProjectionLagTimeoutError } from '../../libs/read-model/src/checkpoint-waiters.js';
import { SqliteQueryStore } from '../../libs/read-model/src/sqlite-query-store.js';

const org = '0b6f4a8e-5d2c-4c1e-9a7b-000000000002';
const BUILT_WORKER = 'dist/apps/api/src/infrastructure/projector.worker.js';

function venueDefined(id: string, name: string): NewEvent {
  return {
    type: 'VenueDefined',
    data: { Organization: org, VenueId: id, Name: name, TimeZone: 'UTC', Address: null },
    metadata: { organization: org, actor: 'test', occurredAt: new Date(0).toISOString(), correlationId: 'c', causationId: null, schemaVersion: 2 },
  };
}

// The worker runs the build (a worker thread cannot load the TypeScript sources); npm test builds first.
(existsSync(BUILT_WORKER) ? describe : describe.skip)('the projector in a worker thread', () => {
  const dirs: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** `before` appends to the log before the worker starts. */
  async function open(entry?: URL, pollIntervalMs?: number, before?: (eventStore: SqliteEventStore) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), 'booking-projector-thread-'));
    dirs.push(dir);
    const eventStore = new SqliteEventStore(join(dir, 'events.sqlite'));
    await before?.(eventStore);
    const errors: string[] = [];
    const files = { eventStoreFile: join(dir, 'events.sqlite'), readStoreFile: join(dir, 'read.sqlite') };
    const thread = await ProjectorThread.open(eventStore, { ...files, onError: (message) => errors.push(message), entry, pollIntervalMs });
    const queries = new SqliteQueryStore(files.readStoreFile);
    closers.push(async () => {
      await thread.stop();
      await queries.close();
      await eventStore.close();
    });
    return { eventStore, thread, queries, errors };
  }

  const venue = (queries: SqliteQueryStore, id: string) => queries.get(CatalogCollections.venues.name, catalogKey(org, id));

  it('projects what this thread appends, and read-your-writes resolves from its checkpoints', async () => {
    // The worker never polls here: only the append's message can wake it.
    const { eventStore, thread, queries } = await open(undefined, 3_600_000);
    await thread.start();
    const { position } = await eventStore.append('venue-a', [venueDefined('a', 'Hall A')], 'no_stream');
    await thread.waitFor(position);
    expect(await venue(queries, 'a')).toMatchObject({ Name: 'Hall A' });
    expect(await queries.getCheckpoint('catalog')).toBe(position);
    expect(thread.failing).toBeNull();
  });

  it('catches up with the log before start resolves', async () => {
    let position = 0n;
    // In the log before the worker starts: start resolves only once it is projected (the worker
    // never polls here, and no append wakes it).
    const { thread, queries } = await open(undefined, 3_600_000, async (eventStore) => {
      ({ position } = await eventStore.append('venue-b', [venueDefined('b', 'Hall B')], 'no_stream'));
    });
    await thread.start();
    expect(await queries.getCheckpoint('catalog')).toBe(position);
    expect(await venue(queries, 'b')).toMatchObject({ Name: 'Hall B' });
  });

  it('bounds read-your-writes in time', async () => {
    const { thread } = await open();
    await thread.start();
    await expect(thread.waitFor(10n ** 12n, 50)).rejects.toBeInstanceOf(ProjectionLagTimeoutError);
  });

  it('reports a dead worker, starts another, and the waiting command still gets its answer', async () => {
    // No polling: only an append's message wakes the worker, and the first such message kills it.
    const { eventStore, thread, queries, errors } = await open(new URL('../support/crash-once-projector.worker.mjs', import.meta.url), 3_600_000);
    await thread.start();
    await eventStore.append('venue-c', [venueDefined('c', 'Hall C')], 'no_stream');
    const crash = /^Projector thread exited with code 1: Error: simulated crash; restarting$/;
    for (const deadline = Date.now() + 10_000; !errors.some((e) => crash.test(e)) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(errors).toEqual([expect.stringMatching(crash)]);
    expect(thread.failing).toEqual(expect.stringMatching(crash));
    // A command while no worker runs: its answer waits for the one started in its place.
    const { position } = await eventStore.append('venue-d', [venueDefined('d', 'Hall D')], 'no_stream');
    await thread.waitFor(position, 10_000);
    expect(thread.failing).toBeNull();
    expect(await venue(queries, 'c')).toMatchObject({ Name: 'Hall C' });
    expect(await venue(queries, 'd')).toMatchObject({ Name: 'Hall D' });
  });

  it('refuses to start when the worker cannot open the stores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'booking-projector-thread-'));
    dirs.push(dir);
    const eventStore = new SqliteEventStore(join(dir, 'events.sqlite'));
    closers.push(() => eventStore.close());
    const missing = join(dir, 'missing', 'read.sqlite');
    await expect(ProjectorThread.open(eventStore, { eventStoreFile: join(dir, 'events.sqlite'), readStoreFile: missing, onError: () => undefined })).rejects.toThrow(
      /unable to open|directory does not exist/i,
    );
  });

  it("takes a new generation's positions only once this process's reads are on it, then removes the old file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'booking-projector-thread-'));
    dirs.push(dir);
    const eventStore = new SqliteEventStore(join(dir, 'events.sqlite'));
    const entry = new URL('../support/switching-projector.worker.mjs', import.meta.url);
    const files = { eventStoreFile: join(dir, 'events.sqlite'), readStoreFile: join(dir, 'read.sqlite') };
    const thread = await ProjectorThread.open(eventStore, { ...files, onError: () => undefined, entry, pollIntervalMs: 3_600_000 });
    closers.push(async () => {
      await thread.stop();
      await eventStore.close();
    });
    await thread.start();
    const old = join(dir, 'read.gen-1.sqlite');
    writeFileSync(old, '');
    expect(thread.file).toBe(old);
    const moves: string[] = [];
    let moved!: () => void;
    thread.followSwitches((file) => {
      moves.push(file);
      return new Promise((resolve) => (moved = resolve));
    });
    // Any append wakes the stand-in, which switches.
    await eventStore.append('venue-a', [venueDefined('a', 'Hall A')], 'no_stream');
    while (moves.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(moves).toEqual([join(dir, 'read.gen-2.sqlite')]);
    expect(thread.file).toBe(join(dir, 'read.gen-2.sqlite'));
    // The reads are still on the old file, which holds 5: 7 and 9 are the new file's.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(thread.hasApplied(5n)).toBe(true);
    expect(thread.hasApplied(6n)).toBe(false);
    expect(existsSync(old)).toBe(true);
    moved();
    while (!thread.hasApplied(9n)) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(existsSync(old)).toBe(false);
  });
});
