import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Change, CollectionSpec, Doc } from './read-store.js';
import { SqliteQueryStore } from './sqlite-query-store.js';
import { SqliteReadStore } from './sqlite-read-store.js';
import { readRecentBound } from './sqlite-recent-index.js';
import { registerGramsFunction } from './sqlite-grams.js';
import { readLayout, replaceCollection } from './sqlite-schema.js';
import { SqliteView } from './sqlite-session.js';

const visits: CollectionSpec = { name: 'visits', indexes: [['Org', '-At', '_id']], textFields: ['Name'], recentBy: 'At', views: { id: ['_id'] } };
const NEWEST_FIRST: Array<[string, 1 | -1]> = [
  ['At', -1],
  ['_id', 1],
];
/** Each generation of the recent index holds at least this many rows here (RECENT_MIN_ROWS in the service). */
const MIN_ROWS = 6;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recent-index-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['ada', 'alan', 'grace', 'edsger', 'barbara', 'donald', 'ken', 'linus', 'radia', 'tim'];
const at = (tick: number) => `t${String(tick).padStart(7, '0')}`;

async function openStore(file: string) {
  const store = new SqliteReadStore(file, { recentMinRows: MIN_ROWS, textQueueRows: 4 });
  await store.ensureCollections([visits]);
  return store;
}

async function write(store: SqliteReadStore, changes: Change[]): Promise<void> {
  await store.runBatch('visits', async (session) => {
    await session.apply(changes);
    return 1n;
  });
}

/** The page the spec defines: the organization's rows holding the needle, newest first, then by id. */
function expectedPage(model: Map<string, Doc>, needle: string, skip: number, take: number): string[] {
  return [...model.values()]
    .filter((doc) => doc.Org === 'o1' && String(doc.Name).includes(needle))
    .sort((a, b) => (a.At === b.At ? (a._id < b._id ? -1 : 1) : a.At! > b.At! ? -1 : 1))
    .slice(skip, skip + take)
    .map((doc) => doc._id);
}

describe('the recent index (SQLite)', () => {
  it('is not built for a collection too small for it to narrow anything', async () => {
    const file = join(dir, 'read.sqlite');
    const store = await openStore(file);
    await write(store, [{ kind: 'upsert', collection: 'visits', doc: { _id: 'v1', Org: 'o1', At: at(1), Name: 'ada' } }]);
    await store.close();
    const reopened = await openStore(file);
    await reopened.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(readLayout(db, 'visits')!.recentTables).toBeNull();
    } finally {
      db.close();
    }
  });

  it('is kept once made, even when the collection shrinks (a reader of another process may be using it)', async () => {
    const file = join(dir, 'read.sqlite');
    const docs = Array.from({ length: 2 * MIN_ROWS + 2 }, (_, i): Doc => ({ _id: `v${i}`, Org: 'o1', At: at(i + 1), Name: 'ada' }));
    let store = await openStore(file);
    await write(store, docs.map((doc) => ({ kind: 'upsert', collection: 'visits', doc })));
    await store.close();
    const hasIndex = () => {
      const db = new Database(file, { readonly: true });
      try {
        return readLayout(db, 'visits')!.recentTables !== null;
      } finally {
        db.close();
      }
    };
    store = await openStore(file);
    expect(hasIndex()).toBe(true);
    await write(store, docs.slice(3).map((doc) => ({ kind: 'delete', collection: 'visits', id: doc._id })));
    await store.close();
    await (await openStore(file)).close();
    expect(hasIndex()).toBe(true);
  });

  it('is copied whole, bounds included, by the rebuild switch-over (replaceCollection)', async () => {
    const live = join(dir, 'live.sqlite');
    const target = join(dir, 'target.sqlite');
    const model = new Map<string, Doc>();
    const docs = Array.from({ length: 200 }, (_, i): Doc => ({ _id: `v${String(i).padStart(4, '0')}`, Org: 'o1', At: at(i + 1), Name: `${WORDS[i % WORDS.length]} w${Math.floor(i / 10)}x` }));
    let store = await openStore(live);
    await write(store, docs.map((doc) => (model.set(doc._id, doc), { kind: 'upsert', collection: 'visits', doc })));
    await store.close();
    store = await openStore(live);
    // Rows the newer generation took in after the build, and one left in the text queue.
    const moved = [...model.values()].slice(0, 5).map((doc, i) => ({ ...doc, At: at(300 + i) }));
    await write(store, moved.map((doc) => (model.set(doc._id, doc), { kind: 'upsert', collection: 'visits', doc })));
    await store.close();
    await (await openStore(target)).close();
    const db = new Database(target);
    db.unsafeMode(true);
    registerGramsFunction(db);
    db.prepare('ATTACH DATABASE ? AS live').run(live);
    db.transaction(() => replaceCollection(db, 'live', visits)).immediate();
    expect(readRecentBound(db, 'visits')).toEqual(readRecentBound(db, 'visits', 'live'));
    expect(readLayout(db, 'visits')!.recentTables).not.toBeNull();
    db.close();
    const reader = new SqliteQueryStore(target);
    try {
      for (const needle of ['w0x', 'w1x', 'w19x', 'ada']) {
        const page = (await reader.find('visits', { Org: 'o1', Name: { $contains: needle } }, { sort: NEWEST_FIRST, limit: 3 })).map((doc) => doc._id);
        expect(page).toEqual(expectedPage(model, needle, 0, 3));
      }
    } finally {
      await reader.close();
    }
  });

  it('answers newest-first text searches as the full index would, through inserts, moves, renames, deletes and rotations', async () => {
    const file = join(dir, 'read.sqlite');
    const next = random(26);
    const model = new Map<string, Doc>();
    let tick = 0;
    let created = 0;
    // A name holds a common word and one of its time (`w` and the tick's tens): the rows of a word of
    // one time are few (so the text index, not a walk, finds a page), most of them recent when the
    // time is.
    const name = () => `${WORDS[Math.floor(next() * WORDS.length)]} w${Math.floor(tick / 10)}x`;
    const newDoc = (): Doc => ({ _id: `v${String(++created).padStart(4, '0')}`, Org: next() < 0.8 ? 'o1' : 'o2', At: at(++tick), Name: name() });
    const put = (doc: Doc): Change => (model.set(doc._id, doc), { kind: 'upsert', collection: 'visits', doc });

    // Enough rows for the index to be built when the store opens again.
    let store = await openStore(file);
    await write(store, Array.from({ length: 1000 }, () => put(newDoc())));
    await store.close();
    store = await openStore(file);
    const reader = new SqliteQueryStore(file);

    // Counts the pages answered from the recent index, so that the test shows it was used.
    const view = SqliteView.prototype as unknown as { recentPage: (...args: unknown[]) => string[] | null };
    const recentPage = view.recentPage;
    let fromRecent = 0;
    view.recentPage = function (this: unknown, ...args: unknown[]) {
      const page = recentPage.apply(this, args);
      if (page !== null) fromRecent++;
      return page;
    };
    const splits = new Set<unknown>();
    try {
      for (let step = 0; step < 120; step++) {
        const changes: Change[] = [];
        for (let i = 0; i < 3; i++) {
          const roll = next();
          const ids = [...model.keys()];
          const target = model.get(ids[Math.floor(next() * ids.length)])!;
          if (roll < 0.35) changes.push(put(newDoc()));
          // A change: the row moves to now (as LastChangeTime does).
          else if (roll < 0.7) changes.push(put({ ...target, At: at(++tick) }));
          else if (roll < 0.8) changes.push(put({ ...target, Name: name(), At: at(++tick) }));
          // A value moved back (a clock behind the others), or a rename that keeps the time.
          else if (roll < 0.88) changes.push(put({ ...target, At: at(Math.max(1, tick - 30 - Math.floor(next() * 30))) }));
          else if (roll < 0.95) changes.push(put({ ...target, Name: name() }));
          else if (model.size > 500) {
            model.delete(target._id);
            changes.push({ kind: 'delete', collection: 'visits', id: target._id });
          }
        }
        await write(store, changes);
        const db = new Database(file, { readonly: true });
        splits.add(readRecentBound(db, 'visits')?.split);
        db.close();
        const now = Math.floor(tick / 10);
        // Words of recent times, of older ones (rows moved to now hold them), and a common one.
        const needles = [0, 1, 2, 4, 8, 20, 40, 70].map((back) => `w${Math.max(0, now - back)}x`);
        for (const needle of [...needles, 'grace']) {
          for (const [skip, take] of [[0, 1], [0, 3], [2, 2]]) {
            const filter = { Org: 'o1', Name: { $contains: needle } };
            const options = { sort: NEWEST_FIRST, skip, limit: take };
            const page = (await reader.find('visits', filter, options)).map((doc) => doc._id);
            const view = (JSON.parse(await reader.findView('visits', filter, options, 'id')) as Doc[]).map((doc) => doc._id);
            const expected = expectedPage(model, needle, skip, take).join(',');
            expect(`${step} ${needle} ${skip} ${take}: ${page.join(',')} / ${view.join(',')}`).toBe(`${step} ${needle} ${skip} ${take}: ${expected} / ${expected}`);
          }
        }
      }
    } finally {
      view.recentPage = recentPage;
      await reader.close();
      await store.close();
    }
    expect(fromRecent).toBeGreaterThan(100);
    // The newer generation filled and rotated several times.
    expect(splits.size).toBeGreaterThan(3);
  });
});
