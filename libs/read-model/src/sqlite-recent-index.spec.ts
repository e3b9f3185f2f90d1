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

/** The newest row of organization o1 holding the needle, as a reader of the file answers. */
async function newestHolding(file: string, needle: string): Promise<string[]> {
  const reader = new SqliteQueryStore(file);
  try {
    return (await reader.find('visits', { Org: 'o1', Name: { $contains: needle } }, { sort: NEWEST_FIRST, limit: 1 })).map((doc) => doc._id);
  } finally {
    await reader.close();
  }
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

  it.each([26, 27, 28])(
    'answers newest-first text searches as the full index would, through inserts, moves, ties, renames, deletes, rotations and restarts (seed %i)',
    async (seed) => {
      const file = join(dir, 'read.sqlite');
      const next = random(seed);
      const model = new Map<string, Doc>();
      let tick = 1000;
      let created = 0;
      // A name holds a common word and one of its time (`w` and the tick's tens): the rows of a word of
      // one time are few (so the text index, not a walk, finds a page), most of them recent when the
      // time is.
      const name = () => `${WORDS[Math.floor(next() * WORDS.length)]} w${Math.floor(tick / 10)}x`;
      // Now, or (one time in three) the same instant as the last change: ties are ordered by id.
      const now = () => (next() < 0.3 ? tick : ++tick);
      const newDoc = (): Doc => ({ _id: `v${String(++created).padStart(4, '0')}`, Org: next() < 0.8 ? 'o1' : 'o2', At: at(now()), Name: name() });
      const put = (doc: Doc): Change => (model.set(doc._id, doc), { kind: 'upsert', collection: 'visits', doc });
      // Drains of every size from one row to six.
      const open = async () => {
        const store = new SqliteReadStore(file, { recentMinRows: MIN_ROWS, textQueueRows: 1 + Math.floor(next() * 6), idleDrainMs: 1e9 });
        await store.ensureCollections([visits]);
        return store;
      };

      // Enough rows for the index to be built when the store opens again.
      let store = await open();
      await write(store, Array.from({ length: 1000 }, () => put(newDoc())));
      await store.close();
      store = await open();
      let reader = new SqliteQueryStore(file);

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
          const shared = at(now());
          for (let i = 1 + Math.floor(next() * 5); i > 0; i--) {
            const roll = next();
            const ids = [...model.keys()];
            const target = model.get(ids[Math.floor(next() * ids.length)])!;
            if (roll < 0.25) changes.push(put(newDoc()));
            // A change: the row moves to now (as LastChangeTime does), some of a batch at one instant.
            else if (roll < 0.55) changes.push(put({ ...target, At: shared }));
            else if (roll < 0.65) changes.push(put({ ...target, Name: name(), At: at(now()) }));
            // A value moved back (a clock behind the others), or ahead, or a rename that keeps the time.
            else if (roll < 0.78) changes.push(put({ ...target, At: at(Math.max(1, tick - Math.floor(next() * 200))) }));
            else if (roll < 0.85) changes.push(put({ ...target, Name: name() }));
            else if (roll < 0.9) changes.push(put({ ...target, At: at(tick + 1 + Math.floor(next() * 3)) }));
            else if (model.size > 500) {
              model.delete(target._id);
              changes.push({ kind: 'delete', collection: 'visits', id: target._id });
            }
          }
          await write(store, changes);
          if (next() < 0.03) {
            await reader.close();
            await store.close();
            store = await open();
            reader = new SqliteQueryStore(file);
          }
          const db = new Database(file, { readonly: true });
          splits.add(readRecentBound(db, 'visits')?.split);
          db.close();
          const latest = Math.floor(tick / 10);
          // Words of recent times, of older ones (rows moved to now hold them), and a common one.
          const needles = [0, 1, 2, 4, 8, 15, 25, 40, 70].map((back) => `w${Math.max(0, latest - back)}x`);
          for (const needle of [...needles, 'grace']) {
            for (const [skip, take] of [[0, 1], [0, 3], [2, 2]]) {
              const filter = { Org: 'o1', Name: { $contains: needle } };
              const options = { sort: NEWEST_FIRST, skip, limit: take };
              const page = (await reader.find('visits', filter, options)).map((doc) => doc._id);
              const shown = (JSON.parse(await reader.findView('visits', filter, options, 'id')) as Doc[]).map((doc) => doc._id);
              const expected = expectedPage(model, needle, skip, take).join(',');
              expect(`${step} ${needle} ${skip} ${take}: ${page.join(',')} / ${shown.join(',')}`).toBe(`${step} ${needle} ${skip} ${take}: ${expected} / ${expected}`);
            }
          }
        }
      } finally {
        view.recentPage = recentPage;
        await reader.close();
        await store.close();
      }
      expect(fromRecent).toBeGreaterThan(1000);
      // The newer generation filled and rotated more than once (the build's split, then at least two more).
      expect(splits.size).toBeGreaterThanOrEqual(3);
    },
  );

  it('keeps its bound ahead when the newest value goes back before a rotation', async () => {
    const file = join(dir, 'read.sqlite');
    const model = new Map<string, Doc>();
    const id = (i: number) => `v${String(i).padStart(4, '0')}`;
    const set = (i: number, fields: Partial<Doc>): Change => {
      const doc = { ...model.get(id(i))!, ...fields } as Doc;
      model.set(doc._id, doc);
      return { kind: 'upsert', collection: 'visits', doc };
    };
    for (let i = 1; i <= 100; i++) model.set(id(i), { _id: id(i), Org: 'o1', At: at(i), Name: i === 20 ? 'qqq y' : `alpha${i}` });
    let store = new SqliteReadStore(file, { recentMinRows: MIN_ROWS, textQueueRows: 1 });
    await store.ensureCollections([visits]);
    await write(store, [...model.values()].map((doc) => ({ kind: 'upsert', collection: 'visits', doc })));
    await store.close();
    store = new SqliteReadStore(file, { recentMinRows: MIN_ROWS, textQueueRows: 1 });
    await store.ensureCollections([visits]);
    const bound = () => {
      const db = new Database(file, { readonly: true });
      try {
        return readRecentBound(db, 'visits')!;
      } finally {
        db.close();
      }
    };
    model.set(id(101), { _id: id(101), Org: 'o1', At: at(101), Name: 'alpha101' });
    await write(store, [{ kind: 'upsert', collection: 'visits', doc: model.get(id(101))! }]);
    // The newest row's value goes back (a clock behind the others), then rows move in until a rotation.
    await write(store, [set(101, { At: at(95) })]);
    const before = bound().since;
    for (let i = 1; i <= 10 && bound().since === before; i++) await write(store, [set(i, { At: at(91 + (i % 9)) })]);
    expect(bound().since).not.toBe(before);
    expect(String(bound().split) >= String(bound().since)).toBe(true);
    // The row moves in below the old split, then past it.
    await write(store, [set(20, { At: at(101) })]);
    model.set(id(102), { _id: id(102), Org: 'o1', At: at(150), Name: 'qqq z' });
    await write(store, [{ kind: 'upsert', collection: 'visits', doc: model.get(id(102))! }]);
    await write(store, [set(20, { At: at(160) })]);
    await store.close();
    expect(await newestHolding(file, 'qqq')).toEqual([id(20)]);
  });

  it('starts empty again, bounds unset, when its projection is replayed in place (reset)', async () => {
    const file = join(dir, 'read.sqlite');
    const id = (i: number) => `v${String(i).padStart(4, '0')}`;
    const history: Doc[] = [];
    for (let i = 1; i <= 100; i++) history.push({ _id: id(i), Org: 'o1', At: at(i), Name: i === 7 ? 'qqq y' : `alpha${i}` });
    for (let i = 1; i <= 100; i++) history.push({ ...history[i - 1], At: at(100 + i) });
    const put = (doc: Doc): Change => ({ kind: 'upsert', collection: 'visits', doc });
    let store = new SqliteReadStore(file, { recentMinRows: MIN_ROWS, textQueueRows: 1 });
    await store.ensureCollections([visits]);
    await write(store, history.slice(0, 100).map(put));
    await store.close();
    store = new SqliteReadStore(file, { recentMinRows: MIN_ROWS, textQueueRows: 1 });
    await store.ensureCollections([visits]);
    for (const doc of history.slice(100)) await write(store, [put(doc)]);
    await store.reset('visits', ['visits']);
    const db = new Database(file, { readonly: true });
    try {
      // Nothing of the old rows is left to hold row ids the replay will use again.
      expect(readRecentBound(db, 'visits')).toMatchObject({ since: null, split: null, rows: 0 });
      expect(db.prepare('SELECT count(*) FROM rm_visits_recent_newer_docsize').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    for (const doc of history) await write(store, [put(doc)]);
    // After the replay, live changes: the row moves to now, and another row is made.
    await write(store, [put({ ...history[6], At: at(300) })]);
    await write(store, [put({ _id: id(500), Org: 'o1', At: at(250), Name: 'qqq z' })]);
    await store.close();
    expect(await newestHolding(file, 'qqq')).toEqual([id(7)]);
  });
});
