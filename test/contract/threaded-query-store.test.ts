import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryThreads } from '../../libs/read-model/src/query-threads.js';
import { SqliteQueryStore } from '../../libs/read-model/src/sqlite-query-store.js';
import { SqliteReadStore } from '../../libs/read-model/src/sqlite-read-store.js';
import { ThreadedQueryStore } from '../../libs/read-model/src/threaded-query-store.js';
import { writerAndReader } from '../support/writer-and-reader.js';
import { readStoreContract } from './read-store.contract.js';

const BUILT_WORKER = 'dist/libs/read-model/src/sqlite-query.worker.js';

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'threaded-query-store-'));
  dirs.push(dir);
  return join(dir, 'read.sqlite');
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function threadedStore(file: string, size: number, entry?: URL): { store: ThreadedQueryStore; threads: QueryThreads } {
  const threads = new QueryThreads({ readStoreFile: file, size, entry });
  return { store: new ThreadedQueryStore(new SqliteQueryStore(file), threads), threads };
}

// The threads run the build (a worker thread cannot load the TypeScript sources); npm test builds first.
const whenBuilt = existsSync(BUILT_WORKER) ? describe : describe.skip;

whenBuilt('ThreadedQueryStore', () => {
  readStoreContract('SQLite, searched and counted in query threads', async () => writerAndReader(tempFile(), (file) => threadedStore(file, 2).store), { transactionalBatches: true });

  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function seeded(size: number, entry?: URL) {
    const file = tempFile();
    const writer = new SqliteReadStore(file);
    await writer.ensureCollections([{ name: 'people', indexes: [['Org']], views: { row: ['Org'] } }]);
    await writer.runBatch('test', async (session) => {
      await session.apply([1, 2, 3].map((n) => ({ kind: 'upsert', collection: 'people', doc: { _id: `p${n}`, Org: n === 3 ? 'o2' : 'o1' } })));
      return 1n;
    });
    await writer.close();
    const opened = threadedStore(file, size, entry);
    closers.push(() => opened.store.close());
    return opened;
  }

  it('asks its gate, before a query goes to a thread, about the one organization it is filtered to', async () => {
    const file = tempFile();
    const writer = new SqliteReadStore(file);
    await writer.ensureCollections([{ name: 'people', indexes: [['Organization']], views: { row: ['Organization'] } }]);
    await writer.close();
    const asked: Array<string | null> = [];
    const threads = new QueryThreads({ readStoreFile: file, size: 1 });
    const store = new ThreadedQueryStore(new SqliteQueryStore(file), threads, { beforeRead: (organization) => (asked.push(organization), null) });
    closers.push(() => store.close());
    await store.find('people', { Organization: 'o1' });
    await store.findView('people', { Organization: 'o2' }, undefined, 'row');
    await store.count('people', { Organization: 'o3' });
    await store.count('people', {});
    expect(asked).toEqual(['o1', 'o2', 'o3', null]);
  });

  it('starts a thread only when a query comes, and another only while the others are busy', async () => {
    const { store, threads } = await seeded(2);
    await store.get('people', 'p1');
    expect(threads.running).toBe(0);
    expect(await store.count('people', { Org: 'o1' })).toBe(2);
    expect(await store.count('people', {})).toBe(3);
    expect(threads.running).toBe(1);
    const counts = await Promise.all([1, 2, 3, 4].map(() => store.count('people', { Org: 'o2' })));
    expect(counts).toEqual([1, 1, 1, 1]);
    expect(threads.running).toBe(2);
  });

  it('sends a page and its count, asked together, to one thread; other queries of the same turn to others', async () => {
    const { store, threads } = await seeded(2);
    const [page, total] = await Promise.all([store.findView('people', { Org: 'o1' }, { limit: 1 }, 'row'), store.count('people', { Org: 'o1' })]);
    expect([JSON.parse(page), total]).toEqual([[{ Org: 'o1' }], 2]);
    expect(threads.running).toBe(1);
    expect(await Promise.all([store.count('people', { Org: 'o1' }), store.count('people', { Org: 'o1' })])).toEqual([2, 2]);
    expect(threads.running).toBe(2);
  });

  it('answers filters no thread could be sent as this thread does: they never cross as they are', async () => {
    const { store } = await seeded(1);
    const local = new SqliteQueryStore(join(dirs.at(-1)!, 'read.sqlite'));
    closers.push(() => local.close());
    const outcome = (answer: Promise<unknown>) => answer.then((value) => ({ value }), (error: Error) => ({ error: `${error.name}: ${error.message}` }));
    // Refused (a function, a symbol, a bigint) or, having no fields of their own, no condition at all (a Date, a RegExp).
    for (const value of [() => 'o1', Symbol('o1'), 1n, new Date(0), /o1/]) {
      for (const filter of [{ Org: value }, { Org: { $eq: value } }, { Org: { $in: [value] } }] as never[]) {
        expect(await outcome(store.find('people', filter))).toEqual(await outcome(local.find('people', filter)));
        expect(await outcome(store.count('people', filter))).toEqual(await outcome(local.count('people', filter)));
      }
    }
    // Options beyond sort, skip and limit are not the store's: they stay behind.
    const options = { limit: 1, onPage: () => undefined } as never;
    expect(await store.find('people', { Org: 'o1' }, options)).toEqual(await local.find('people', { Org: 'o1' }, options));
    expect(await store.find('people', { Org: 'o1' }, options)).toHaveLength(1);
  });

  it('answers on this thread when the path came to name another file before a thread opened it, until the switch', async () => {
    // The first `projections rebuild` replaces read.sqlite, a regular file, by a link to a
    // generation the projector has not caught up yet; a thread started then opened that one.
    const { store, threads } = await seeded(1);
    const dir = dirs[dirs.length - 1];
    const live = join(dir, 'read.sqlite');
    const behind = join(dir, 'read.gen-1.sqlite');
    const other = new SqliteReadStore(behind);
    await other.ensureCollections([{ name: 'people', indexes: [['Org']], views: { row: ['Org'] } }]);
    await other.close();
    renameSync(live, join(dir, 'read.old.sqlite'));
    symlinkSync('read.gen-1.sqlite', live);
    // Still the file this process reads: three people, two in o1 (the other generation has none).
    expect(await store.count('people', { Org: 'o1' })).toBe(2);
    expect(JSON.parse(await store.findView('people', {}, { sort: [['_id', 1]] }, 'row'))).toHaveLength(3);
    expect(threads.running).toBe(1);
    // Once moved, the threads answer from the new generation.
    await store.switchTo(behind);
    expect(await store.count('people', { Org: 'o1' })).toBe(0);
  });

  it('fails the calls a dying thread holds, and answers the next call from another thread', async () => {
    const { store, threads } = await seeded(1, new URL('../support/crash-on-query.worker.mjs', import.meta.url));
    expect(await store.count('people', {})).toBe(3);
    const crashing = store.count('crash', {});
    const queued = store.find('people', {});
    await expect(crashing).rejects.toThrow(/^Query thread exited with code 3$/);
    await expect(queued).rejects.toThrow(/^Query thread exited with code 3$/);
    expect(threads.running).toBe(0);
    expect(await store.find('people', { Org: 'o2' })).toEqual([{ _id: 'p3', Org: 'o2' }]);
    expect(threads.running).toBe(1);
  });

  it("rebuilds a thread's error as the same class, message and code", async () => {
    const { store } = await seeded(1, new URL('../support/throwing-query.worker.mjs', import.meta.url));
    const refused = await store.count('typeError', {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TypeError);
    expect(refused).toMatchObject({ message: 'refused here' });
    const busy = await store.count('busy', {}).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(Database.SqliteError);
    expect(busy).toMatchObject({ message: 'database is locked', code: 'SQLITE_BUSY' });
    await expect(store.count('custom', {})).rejects.toMatchObject({ name: 'LimitError', message: 'a custom one' });
    await expect(store.count('thrownString', {})).rejects.toMatchObject({ name: 'Error', message: 'not an error' });
  });

  it('answers an unknown collection or view with the error the store gives on this thread', async () => {
    const { store } = await seeded(1);
    const local = new SqliteQueryStore(join(dirs.at(-1)!, 'read.sqlite'));
    closers.push(() => local.close());
    for (const query of [(s: SqliteQueryStore | ThreadedQueryStore) => s.count('nobody', {}), (s: SqliteQueryStore | ThreadedQueryStore) => s.findView('people', {}, undefined, 'nope')]) {
      const here = await query(local).catch((error: Error) => error);
      const there = await query(store).catch((error: Error) => error);
      expect(there).toBeInstanceOf(here.constructor);
      expect((there as Error).message).toBe((here as Error).message);
    }
  });

  it('closes its threads: queries after close fail, point reads are closed too', async () => {
    const { store, threads } = await seeded(2);
    await Promise.all([store.count('people', {}), store.count('people', {})]);
    expect(threads.running).toBe(2);
    closers.pop();
    await store.close();
    expect(threads.running).toBe(0);
    await expect(store.count('people', {})).rejects.toThrow('The query threads are closed');
    await expect(store.get('people', 'p1')).rejects.toThrow(/not open/);
  });
});
