import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createReadStore } from './index.js';
import { normalizeFilter, normalizeFind } from './normalized-query.js';
import type { Change, CollectionSpec, Doc, Filter, FindOptions, ReadStore } from './read-store.js';
import { findSql } from './sqlite-query.js';
import { SqliteReadStore, type SqliteReadStoreOptions } from './sqlite-read-store.js';
import { FTS_AUTOMERGE, FTS_HASH_BYTES, readLayout, replaceCollection } from './sqlite-schema.js';
import { gramToken, registerGramsFunction } from './sqlite-grams.js';
import { Connection } from './sqlite-connection.js';
import { decodeStructure, levelFor } from './fts5-structure.js';
import { LONG_LIST, TrigramPlanner } from './sqlite-trigram-plan.js';

const people: CollectionSpec = {
  name: 'people',
  indexes: [['Org', 'Since']],
  textFields: ['Name', 'Email'],
};

let dir: string;
let file: string;
const opened: ReadStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-read-store-'));
  file = join(dir, 'read.sqlite');
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function open(path = file, options: SqliteReadStoreOptions = {}): Promise<SqliteReadStore> {
  const store = new SqliteReadStore(path, options);
  opened.push(store);
  await store.ensureCollections([people]);
  return store;
}

async function write(store: ReadStore, changes: Change[], position = 1n): Promise<void> {
  await store.runBatch('people', async (session) => {
    await session.apply(changes);
    return position;
  });
}

const upsert = (doc: Doc): Change => ({ kind: 'upsert', collection: 'people', doc });
const ids = (docs: Doc[]) => docs.map((d) => d._id);

/** The SQL texts handed to better-sqlite3's `prepare` while `run` runs (statements SQLite prepares again are not seen). */
async function preparedDuring(run: () => Promise<unknown>): Promise<string[]> {
  const prepare = Database.prototype.prepare;
  const prepared: string[] = [];
  Database.prototype.prepare = function (this: Database.Database, sql: string) {
    prepared.push(sql);
    return prepare.call(this, sql);
  } as typeof prepare;
  try {
    await run();
  } finally {
    Database.prototype.prepare = prepare;
  }
  return prepared;
}

/** A store as fresh rebuild storage, a reader of its file, and how many of its indexes exist. */
async function openForRebuild() {
  const store = new SqliteReadStore(file, { rebuild: true });
  opened.push(store);
  await store.ensureCollections([people]);
  const db = new Database(file, { readonly: true });
  const indexed = () => db.prepare(`SELECT count(*) FROM sqlite_master WHERE name IN ('rm_people_ix(Org,Since)', 'rm_people_fts')`).pluck().get();
  return { store, db, indexed };
}

describe('SqliteReadStore', () => {
  it('answers $contains through the text indexes (trigrams, or grams below three characters) and uses compound indexes', async () => {
    await open();
    const db = new Database(file, { readonly: true });
    const plan = (filter: Filter, options?: FindOptions) => {
      const query = findSql(readLayout(db, 'people')!, normalizeFilter(filter), normalizeFind(options));
      return (db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as Array<{ detail: string }>)
        .map((row) => row.detail)
        .join('\n');
    };
    try {
      // The index names the candidate rows, which are then fetched by row id: no scan of documents,
      // even when an equality index (a whole tenant) is on offer.
      const byRowId = /SCAN rm_people_fts VIRTUAL TABLE[\s\S]*SCAN hits\nSEARCH rm_people USING INTEGER PRIMARY KEY \(rowid=\?\)/;
      expect(plan({ Name: { $contains: 'love' } })).toMatch(byRowId);
      expect(plan({ Org: 'o1', Name: { $contains: 'love' } }, { sort: [['Since', -1]] })).toMatch(byRowId);
      // Needles of one or two characters cannot use trigrams: the grams index names their rows.
      const byGrams = /SCAN rm_people_grams VIRTUAL TABLE[\s\S]*SCAN hits\nSEARCH rm_people USING INTEGER PRIMARY KEY \(rowid=\?\)/;
      expect(plan({ Name: { $contains: 'lo' } })).toMatch(byGrams);
      expect(plan({ Org: 'o1', Email: { $contains: '@' } }, { sort: [['Since', -1]] })).toMatch(byGrams);
      expect(plan({ Name: { $contains: 'lo' } })).not.toMatch(/SCAN rm_people\b(?! USING)/);
      expect(plan({ Org: 'o1', Since: { $gte: '2026' } }, { sort: [['Since', -1]] })).toMatch(
        /SEARCH rm_people USING INDEX rm_people_ix\(Org,Since\) \(f_Org=\? AND f_Since>\?\)/,
      );
    } finally {
      db.close();
    }
  });

  it('reads a page in one pass when an index gives its order, and the same page as the two-step read', async () => {
    const store = await open();
    await store.ensureCollections([{ name: 'paged', indexes: [['Org', 'Since', '_id']] }]);
    const docs = Array.from({ length: 40 }, (_, i) => ({ _id: `p${String(i).padStart(2, '0')}`, Org: `o${i % 2}`, Since: `2026-01-${String((i % 7) + 1).padStart(2, '0')}` }));
    await store.runBatch('paged', async (session) => {
      await session.apply(docs.map((doc) => ({ kind: 'upsert', collection: 'paged', doc })));
      return 1n;
    });
    const db = new Database(file, { readonly: true });
    try {
      const layout = readLayout(db, 'paged')!;
      const usesSorter = (sql: { sql: string; params: unknown[] }) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql.sql}`).all(...sql.params) as Array<{ detail: string }>).some((row) => row.detail.includes('TEMP B-TREE'));
      for (const [skip, limit] of [[0, 5], [7, 6], [18, 10], [25, 10]]) {
        const options: FindOptions = { sort: [['Since', 1], ['_id', 1]], skip, limit };
        const query = findSql(layout, normalizeFilter({ Org: 'o1' }), normalizeFind(options));
        // (Org, Since, _id) gives the order: no sorter needed.
        expect(usesSorter(query.direct!)).toBe(false);
        const expected = docs
          .filter((doc) => doc.Org === 'o1')
          .sort((a, b) => a.Since.localeCompare(b.Since) || a._id.localeCompare(b._id))
          .slice(skip, skip + limit);
        expect(await store.find('paged', { Org: 'o1' }, options)).toEqual(expected);
        const rows = db.prepare(query.sql).pluck().all(...query.params) as string[];
        expect(rows.map((row) => JSON.parse(row) as Doc)).toEqual(expected);
      }
    } finally {
      db.close();
    }
  });

  it('folds letters beyond ASCII, the same way through each text index, without them and in counts', async () => {
    const store = await open();
    await write(store, [
      upsert({ _id: 'upper', Org: 'o1', Name: 'ÉMILE Zola', Nick: 'ŁUKASZ' }),
      upsert({ _id: 'lower', Org: 'o1', Name: 'émile zola', Nick: 'łukasz' }),
      upsert({ _id: 'greek', Org: 'o1', Name: 'ΟΔΥΣΣΕΥΣ', Nick: 'Øresund' }),
    ]);
    // Name is a text field (search column, trigram and grams indexes); Nick is not (folded row by row).
    const search = async (filter: Filter) => ids(await store.find('people', filter));
    for (const needle of ['MILE ZOLA', 'émile', 'ÉMILE', 'émi', 'Émi', 'é', 'É']) {
      expect(await search({ Name: { $contains: needle } })).toEqual(['lower', 'upper']);
      expect(await store.count('people', { Name: { $contains: needle } })).toBe(2);
    }
    for (const needle of ['łukasz', 'Łu', 'ł']) expect(await search({ Nick: { $contains: needle } })).toEqual(['lower', 'upper']);
    expect(await search({ Nick: { $contains: 'øre' } })).toEqual(['greek']);
    // A final sigma folds as any other: the same letter wherever it stands.
    for (const needle of ['οδυσσευς', 'ευσ', 'σς', 'ΣΣ', 'ς']) expect(await search({ Name: { $contains: needle } })).toEqual(['greek']);
  });

  it('drops the text-index entries of documents that are deleted or reset, and indexes those written after a reset', async () => {
    const store = await open(file, { textQueueRows: 1 });
    await write(store, [
      upsert({ _id: 'a', Org: 'o1', Name: 'Ada' }),
      upsert({ _id: 'b', Org: 'o1', Name: 'Alan' }),
      upsert({ _id: 'b', Org: 'o1', Name: 'Alan Turing' }),
      { kind: 'updateMany', collection: 'people', filter: { Org: 'o1' }, set: { Name: 'Renamed' } },
      { kind: 'delete', collection: 'people', id: 'a' },
    ]);
    const db = new Database(file, { readonly: true });
    const indexed = () => db.prepare('SELECT count(*) FROM rm_people_fts').pluck().get();
    const withGrams = () => db.prepare(`SELECT count(*) FROM rm_people_grams WHERE rm_people_grams MATCH 'f0x6c'`).pluck().get();
    try {
      expect(indexed()).toBe(1);
      expect(withGrams()).toBe(0); // no name with an "l" is left
      // The reset empties the table with the text queue's triggers dropped, and makes them again.
      const triggers = () => db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`).pluck().all();
      const before = triggers();
      expect(before.length).toBeGreaterThan(0);
      await store.reset('people', ['people']);
      expect(indexed()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM rm_people_fts_queue').pluck().get()).toBe(0);
      expect(triggers()).toEqual(before);
      await write(store, [upsert({ _id: 'c', Org: 'o1', Name: 'Grace Hopper' })]);
      expect(ids(await store.find('people', { Name: { $contains: 'hopp' } }))).toEqual(['c']);
    } finally {
      db.close();
    }
  });

  it('leaves changed rows queued, as search candidates, until a batch has queued textQueueRows of them', async () => {
    const store = await open(file, { textQueueRows: 3, idleDrainMs: 3_600_000 });
    const db = new Database(file, { readonly: true });
    const queued = () => db.prepare('SELECT count(*) FROM rm_people_fts_queue').pluck().get();
    const indexed = () => db.prepare('SELECT count(*) FROM rm_people_fts').pluck().get();
    const search = async (text: string) => ids(await store.find('people', { Name: { $contains: text } }, { sort: [['_id', 1]] }));
    const answers = async () => [await search('love'), await search('hop'), await search('a'), await search('ur')];
    try {
      await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace' }), upsert({ _id: 'b', Org: 'o1', Name: 'Alan Turing' })]);
      expect([queued(), indexed()]).toEqual([2, 0]);
      expect(await answers()).toEqual([['a'], [], ['a', 'b'], ['b']]);
      // A row queued again is still one row.
      await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Grace Hopper' }), upsert({ _id: 'b', Org: 'o2', Name: 'Alan Turing' })], 2n);
      expect([queued(), indexed()]).toEqual([2, 0]);
      expect(await answers()).toEqual([[], ['a'], ['a', 'b'], ['b']]);
      await write(store, [upsert({ _id: 'c', Org: 'o1', Name: 'Edsger Dijkstra' })], 3n);
      expect([queued(), indexed()]).toEqual([0, 3]);
      expect(await answers()).toEqual([[], ['a'], ['a', 'b', 'c'], ['b']]);
      // A change that leaves the text alone queues nothing.
      await write(store, [upsert({ _id: 'c', Org: 'o2', Name: 'Edsger Dijkstra' })], 4n);
      expect(queued()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('asks after each batch how many rows are queued with a LIMIT SQLite reads at run time (a bare LIMIT ? is prepared again at each binding)', async () => {
    const prepared = await preparedDuring(async () => {
      const store = await open(file, { textQueueRows: 3, idleDrainMs: 3_600_000 });
      await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace' })]);
    });
    const limited = prepared.filter((sql) => /\bLIMIT\b/.test(sql) && sql.includes('fts_queue'));
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.filter((sql) => !/\bLIMIT \+\?/.test(sql))).toEqual([]);
  });

  it('pages with a LIMIT and OFFSET SQLite reads at run time, in one pass and in two steps alike', async () => {
    // A bare `LIMIT ? OFFSET ?` is prepared again at each new binding (see PAGE_BOUNDS in sqlite-query.ts).
    const store = await open();
    await store.ensureCollections([{ name: 'paged', indexes: [['Org', 'Since', '_id']] }]);
    const docs = [
      { _id: 'a', Org: 'o1', Since: '2026-01-01', Name: 'Grace' },
      { _id: 'b', Org: 'o1', Since: '2026-01-02', Name: 'Alan' },
      { _id: 'c', Org: 'o1', Since: '2026-01-03', Name: 'Ada' },
    ];
    await store.runBatch('paged', async (session) => {
      await session.apply(docs.map((doc) => ({ kind: 'upsert', collection: 'paged', doc })));
      return 1n;
    });
    const prepared = await preparedDuring(async () => {
      // (Org, Since, _id) gives the first order: one pass; no index gives the second: two steps.
      expect(ids(await store.find('paged', { Org: 'o1' }, { sort: [['Since', 1], ['_id', 1]], skip: 1, limit: 1 }))).toEqual(['b']);
      expect(ids(await store.find('paged', { Org: 'o1' }, { sort: [['Name', 1]], skip: 1, limit: 1 }))).toEqual(['b']);
    });
    const pages = prepared.filter((sql) => /\bOFFSET\b/.test(sql) && !sql.startsWith('EXPLAIN'));
    expect(pages.filter((sql) => sql.includes(' WHERE rid IN ('))).toHaveLength(1);
    expect(pages.filter((sql) => !sql.includes(' WHERE rid IN ('))).toHaveLength(1);
    expect(pages.filter((sql) => !/\bLIMIT \+\? OFFSET \+\?/.test(sql))).toEqual([]);
  });

  it('drains the rows batches left queued once no batch has come for idleDrainMs', async () => {
    const store = await open(file, { textQueueRows: 100, idleDrainMs: 1 });
    await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace' })]);
    const db = new Database(file, { readonly: true });
    const queued = () => db.prepare('SELECT count(*) FROM rm_people_fts_queue').pluck().get();
    try {
      for (let tries = 0; queued() !== 0 && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(queued()).toBe(0);
      expect(db.prepare(`SELECT rowid FROM rm_people_fts WHERE rm_people_fts MATCH '"love"'`).pluck().all()).toHaveLength(1);
    } finally {
      db.close();
    }
  });

  it('finds text in rows written by another connection, e.g. a tool copying rows', async () => {
    const store = await open();
    await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace' })]);
    const tool = new Database(file);
    try {
      tool.exec(`DELETE FROM rm_people`);
      // Like the store, it fills the field and search columns (Org, Since; Name, Email) with the document.
      tool.prepare(`INSERT INTO rm_people (id, doc, f_Org, s_Name) VALUES (?, ?, ?, ?)`).run('g', JSON.stringify({ _id: 'g', Org: 'o1', Name: 'Grace Hopper' }), 'o1', 'grace hopper');
    } finally {
      tool.close();
    }
    const search = async (text: string) => ids(await store.find('people', { Name: { $contains: text } }));
    expect(await search('hopper')).toEqual(['g']);
    expect(await search('lovelace')).toEqual([]);
    // The next batch brings the index up to date; the answers stay the same.
    await write(store, []);
    expect(await search('hopper')).toEqual(['g']);
    expect(await search('lovelace')).toEqual([]);
  });

  it('as fresh storage for a rebuild, builds its indexes once at the end; queries answer the same before and after', async () => {
    const store = new SqliteReadStore(file, { rebuild: true, textQueueRows: 1 });
    opened.push(store);
    await store.ensureCollections([people]);
    await write(store, [
      upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace', Email: 'ada@example.org' }),
      upsert({ _id: 'b', Org: 'o1', Name: 'Alan Turing', Email: 'alan@example.org' }),
      upsert({ _id: 'c', Org: 'o2', Name: 'Grace Hopper' }),
    ]);
    const db = new Database(file, { readonly: true });
    const textTables = () => db.prepare(`SELECT count(*) FROM sqlite_master WHERE name IN ('rm_people_fts', 'rm_people_grams', 'rm_people_fts_queue')`).pluck().get();
    const declaredIndexes = () => db.prepare(`SELECT count(*) FROM pragma_index_list('rm_people') WHERE origin = 'c'`).pluck().get();
    const search = async (filter: Filter) => ids(await store.find('people', filter, { sort: [['_id', 1]] }));
    const searches: Filter[] = [{ Name: { $contains: 'LOVE' } }, { Name: { $contains: 'a' } }, { Email: { $contains: 'al' } }, { Org: 'o1', Name: { $contains: 'ing' } }];
    try {
      expect(textTables()).toBe(0);
      expect(declaredIndexes()).toBe(0);
      const before = await Promise.all(searches.map(search));
      expect(before).toEqual([['a'], ['a', 'b', 'c'], ['b'], ['b']]);
      await store.buildIndexes();
      expect(textTables()).toBe(3);
      expect(declaredIndexes()).toBe(1);
      expect(await Promise.all(searches.map(search))).toEqual(before);
      // From then on the indexes follow every change.
      await write(store, [upsert({ _id: 'b', Org: 'o1', Name: 'Alan Kay' }), { kind: 'delete', collection: 'people', id: 'c' }], 2n);
      expect(await search({ Name: { $contains: 'kay' } })).toEqual(['b']);
      expect(await search({ Name: { $contains: 'a' } })).toEqual(['a', 'b']);
      expect(db.prepare(`SELECT count(*) FROM rm_people_fts WHERE rm_people_fts MATCH '"uring"'`).pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('after its index build, leaves its text indexes with FTS5\'s default hashsize and automerge (the fill uses a larger hash and no merges)', async () => {
    const { store, db } = await openForRebuild();
    try {
      await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace', Email: 'ada@example.org' })]);
      await store.buildIndexes();
      const hashSize = (table: string) => db.prepare(`SELECT v FROM "${table}_config" WHERE k = 'hashsize'`).pluck().get();
      // The live batches that follow keep each drain's pending index small: at most 1 MiB held
      // (no row: never set, the default).
      expect([undefined, FTS_HASH_BYTES]).toContain(hashSize('rm_people_fts'));
      expect([undefined, FTS_HASH_BYTES]).toContain(hashSize('rm_people_grams'));
      const automerge = (table: string) => db.prepare(`SELECT v FROM "${table}_config" WHERE k = 'automerge'`).pluck().get();
      expect([undefined, FTS_AUTOMERGE]).toContain(automerge('rm_people_fts'));
      expect([undefined, FTS_AUTOMERGE]).toContain(automerge('rm_people_grams'));
      expect(await store.count('people', { Name: { $contains: 'lo' } })).toBe(1);
    } finally {
      db.close();
    }
  });

  /** 3,000 documents: a text index filled with them in one statement is one segment of more than 64 pages. */
  const manyPeople = () => {
    const names = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth'];
    return Array.from({ length: 3000 }, (_, i) => upsert({ _id: `p${i}`, Org: 'o1', Name: `${names[i % names.length]} ${i}`, Email: `user${i}@example.org` }));
  };

  /** The trigram index, filled from manyPeople in one statement: its segments lifted, and live writes after it kept right. */
  async function expectLiftedAndKeptRight(store: SqliteReadStore, db: Database.Database) {
    const structure = decodeStructure(db.prepare('SELECT block FROM rm_people_fts_data WHERE id = 10').pluck().get() as Uint8Array)!;
    const largest = Math.max(...structure.levels.flatMap((level) => level.segments.map((segment) => segment.pages)));
    // Filled in one statement: level 0 at first (a live write's segment would be merged with it).
    expect(levelFor(largest)).toBeGreaterThan(0);
    expect(structure.levels.length - 1).toBe(levelFor(largest));
    expect(structure.levels.slice(0, -1).every((level) => level.segments.length === 0)).toBe(true);
    // Live writes from then on: new segments below it, merged among themselves; answers right.
    for (let i = 0; i < 40; i++) await write(store, [upsert({ _id: `q${i}`, Org: 'o1', Name: `Zuse Konrad ${i}`, Email: `z${i}@example.org` })], BigInt(i + 2));
    await write(store, [{ kind: 'delete', collection: 'people', id: 'p6' }], 50n);
    expect(await store.count('people', { Name: { $contains: 'zuse' } })).toBe(40);
    expect(await store.count('people', { Name: { $contains: 'lovelace' } })).toBe(499);
    expect(await store.count('people', { Email: { $contains: 'user2999@' } })).toBe(1);
    const writer = new Database(file);
    try {
      writer.exec(`INSERT INTO rm_people_fts (rm_people_fts) VALUES ('integrity-check')`);
      writer.exec(`INSERT INTO rm_people_grams (rm_people_grams) VALUES ('integrity-check')`);
    } finally {
      writer.close();
    }
  }

  it('after its index build, its text indexes\' segments sit on the level merging would have given them, and later writes keep them right', async () => {
    const { store, db } = await openForRebuild();
    try {
      await write(store, manyPeople());
      await store.buildIndexes();
      await expectLiftedAndKeptRight(store, db);
    } finally {
      db.close();
    }
  });

  it('lifts the segments of text indexes a live store fills for its rows (a text field added by an upgrade), as a rebuild does', async () => {
    const before = new SqliteReadStore(file);
    await before.ensureCollections([{ ...people, textFields: ['Name'] }]);
    await write(before, manyPeople());
    await before.close();
    const store = await open();
    const db = new Database(file, { readonly: true });
    try {
      await expectLiftedAndKeptRight(store, db);
    } finally {
      db.close();
    }
  });

  it('in a rebuild, fills a large collection\'s text indexes on another thread: the same indexes as ones filled in place, kept up to date after', async () => {
    const names = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Édith Piaf', 'Zoë Ødegaard', 'Kurt Gödel', 'Barbara Liskov'];
    const docs = Array.from({ length: 300 }, (_, i) => upsert({ _id: `p${i}`, Org: `o${i % 3}`, Name: `${names[i % names.length]} ${i}`, Email: i % 5 ? `x${i}@example.org` : 42 }));
    const build = async (path: string, threadedTextRows: number) => {
      const store = new SqliteReadStore(path, { rebuild: true, threadedTextRows, textQueueRows: 1 });
      opened.push(store);
      await store.ensureCollections([people]);
      await write(store, docs);
      await store.buildIndexes();
      return store;
    };
    const threaded = await build(join(dir, 'threaded.sqlite'), 100);
    const inPlace = await build(join(dir, 'in-place.sqlite'), 1_000);
    const holding = (needle: string) => docs.filter((change) => change.kind === 'upsert' && String(change.doc.Name).toLowerCase().includes(needle)).length;
    const db = new Database(join(dir, 'threaded.sqlite'), { readonly: true });
    db.prepare('ATTACH ? AS in_place').run(join(dir, 'in-place.sqlite'));
    const rows = (schema: string, table: string) => db.prepare(`SELECT * FROM ${schema}."${table}" ORDER BY 1, 2`).raw().all();
    try {
      for (const index of ['rm_people_fts', 'rm_people_grams']) {
        for (const shadow of ['config', 'data', 'docsize', 'idx']) {
          expect(rows('main', `${index}_${shadow}`)).toEqual(rows('in_place', `${index}_${shadow}`));
        }
        expect(rows('main', `${index}_data`).length).toBeGreaterThan(1);
      }
      // Needles of one and two characters read the grams index, longer ones the trigrams.
      for (const needle of ['ö', 'g', 'ov', ' 1', 'lov', 'ødegaard 1']) {
        expect(await threaded.count('people', { Name: { $contains: needle } })).toBe(holding(needle));
        expect(await inPlace.count('people', { Name: { $contains: needle } })).toBe(holding(needle));
      }
      // The store's own connections read the filled index, and its later drains change it.
      await write(threaded, [upsert({ _id: 'p0', Org: 'o0', Name: 'Qx' }), { kind: 'delete', collection: 'people', id: 'p1' }], 2n);
      expect(ids(await threaded.find('people', { Name: { $contains: 'qx' } }))).toEqual(['p0']);
      expect(await threaded.count('people', { Name: { $contains: 'g' } })).toBe(holding('g') - 1);
      expect(await threaded.count('people', { Name: { $contains: 'ada' } })).toBe(holding('ada') - 1);
      expect(db.prepare(`SELECT count(*) FROM rm_people_grams WHERE rm_people_grams MATCH 'f0x7178'`).pluck().get()).toBe(1);
      expect(existsSync(join(dir, 'threaded.sqlite.texts-people'))).toBe(false);
    } finally {
      db.close();
    }
  });

  it('as fresh storage for a rebuild, has 16 KiB pages (an ordinary store keeps SQLite\'s 4 KiB)', async () => {
    const { db } = await openForRebuild();
    const ordinary = await open(join(dir, 'ordinary.sqlite'));
    const other = new Database(join(dir, 'ordinary.sqlite'), { readonly: true });
    try {
      expect(db.pragma('page_size', { simple: true })).toBe(16_384);
      expect(other.pragma('page_size', { simple: true })).toBe(4096);
    } finally {
      db.close();
      other.close();
      await ordinary.close();
    }
  });

  it('adds the documents of another file\'s collections, after its own, and indexes them with the rest', async () => {
    const { store, db } = await openForRebuild();
    const partition = await open(join(dir, 'partition.sqlite'), { rebuild: true });
    try {
      await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace' })]);
      await write(partition, [upsert({ _id: 'c', Org: 'o1', Name: 'Grace Hopper' }), upsert({ _id: 'b', Org: 'o2', Name: 'Alan Turing' })]);
      await partition.close();
      await store.copyDocumentsFrom(join(dir, 'partition.sqlite'), ['people']);
      expect(db.prepare('SELECT id FROM rm_people ORDER BY rid').pluck().all()).toEqual(['a', 'c', 'b']);
      expect(db.prepare('SELECT f_Org FROM rm_people WHERE id = ?').pluck().get('b')).toBe('o2');
      await store.buildIndexes();
      expect(ids(await store.find('people', { Name: { $contains: 'hop' } }))).toEqual(['c']);
      expect(ids(await store.find('people', { Org: 'o2' }))).toEqual(['b']);
    } finally {
      db.close();
    }
  });

  it('copies another file\'s documents into an empty collection whole (row ids kept), with that file\'s checkpoints of the projections named', async () => {
    const rosters: CollectionSpec = { name: 'rosters', indexes: [['Org']] };
    const store = await open(file, { rebuild: true });
    await store.ensureCollections([rosters]);
    const partitionFile = join(dir, 'partition.sqlite');
    const partition = await open(partitionFile, { rebuild: true });
    await partition.ensureCollections([rosters]);
    const entry = (id: string, Org: string): Change => ({ kind: 'upsert', collection: 'rosters', doc: { _id: id, Org } });
    await partition.runBatch(['rosterProjection', 'otherProjection'], async (session) => {
      await session.apply([entry('e1', 'o1'), entry('e2', 'o2'), entry('e3', 'o2')]);
      return 6n;
    });
    await partition.runBatch('rosterProjection', async (session) => {
      await session.apply([{ kind: 'delete', collection: 'rosters', id: 'e2' }]);
      return 7n;
    });
    await partition.close();
    const db = new Database(file, { readonly: true });
    try {
      // A projection the file holds no checkpoint of: nothing is copied.
      await expect(store.copyDocumentsFrom(partitionFile, ['rosters'], ['rosterProjection', 'missing'])).rejects.toThrow(
        `${partitionFile} holds no checkpoint of missing: nothing was copied from it`,
      );
      expect(await store.count('rosters', {})).toBe(0);

      await store.copyDocumentsFrom(partitionFile, ['rosters'], ['rosterProjection']);
      // The row ids of the partition, gap included: each record was copied whole, not inserted again.
      expect(db.prepare('SELECT rid, id FROM rm_rosters ORDER BY rid').raw().all()).toEqual([[1, 'e1'], [3, 'e3']]);
      expect(await store.getCheckpoint('rosterProjection')).toBe(7n);
      expect(await store.getCheckpoint('otherProjection')).toBeNull();
      await store.buildIndexes();
      expect(ids(await store.find('rosters', { Org: 'o2' }))).toEqual(['e3']);
      expect(await store.get('rosters', 'e1')).toEqual({ _id: 'e1', Org: 'o1' });
    } finally {
      db.close();
    }
  });

  it('in a rebuild, builds the index a batch\'s query needs once the collection holds more than a few hundred rows, and the rest at the end', async () => {
    const { store, db } = await openForRebuild();
    const spec: CollectionSpec = { name: 'people', indexes: [['Since'], ['Org', 'Name'], ['Org', 'Since']], textFields: ['Name', 'Email'] };
    await store.ensureCollections([spec]);
    const built = () => db.prepare(`SELECT name FROM sqlite_master WHERE tbl_name = 'rm_people' AND name LIKE '%_ix(%' OR name = 'rm_people_fts' ORDER BY name`).pluck().all();
    const renameAll: Change = { kind: 'updateMany', collection: 'people', filter: { Org: 'o1', Since: { $in: ['2025', '2026'] } }, set: { Since: '2026' } };
    try {
      const many = Array.from({ length: 300 }, (_, i) => upsert({ _id: `p${i}`, Org: 'o1', Name: `Person ${i}`, Since: '2025' }));
      // A query on a small table tests its rows.
      await write(store, [...many.slice(0, 200), renameAll]);
      expect(built()).toEqual([]);
      // On a larger one the index serving it comes first (the longest run of pinned leading fields), over every row, those of the batch too.
      await write(store, [...many.slice(200), upsert({ _id: 'late', Org: 'o1', Name: 'Grace Hopper', Since: '2025' }), renameAll], 2n);
      expect(built()).toEqual(['rm_people_ix(Org,Since)']);
      expect(await store.count('people', { Org: 'o1', Since: '2026' })).toBe(301);
      expect(ids(await store.find('people', { Name: { $contains: 'hopper' } }))).toEqual(['late']);
      await store.buildIndexes();
      expect(built()).toEqual(['rm_people_fts', 'rm_people_ix(Org,Name)', 'rm_people_ix(Org,Since)', 'rm_people_ix(Since)']);
      expect(db.prepare(`SELECT count(*) FROM rm_people_fts`).pluck().get()).toBe(301);
      expect(await store.count('people', { Name: { $contains: 'person 29' } })).toBe(11);
    } finally {
      db.close();
    }
  });

  it('in a rebuild, a failing batch that built indexes leaves them to build again', async () => {
    const { store, db, indexed } = await openForRebuild();
    try {
      await write(store, Array.from({ length: 300 }, (_, i) => upsert({ _id: `p${i}`, Org: 'o1', Name: `Person ${i}` })));
      const failing = store.runBatch('people', async (session) => {
        await session.apply([{ kind: 'updateMany', collection: 'people', filter: { Org: 'o1' }, set: { Since: '2026' } }]);
        throw new Error('projection failed');
      });
      await expect(failing).rejects.toThrow('projection failed');
      expect(indexed()).toBe(0);
      await store.buildIndexes();
      expect(indexed()).toBe(2);
      expect(await store.count('people', { Name: { $contains: 'person 29' } })).toBe(11);
    } finally {
      db.close();
    }
  });

  it('never changes a document it handed out, however often a batch patches it afterwards', async () => {
    const store = await open();
    await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada' })]);
    const seen: Array<Doc | null> = [];
    await store.runBatch('people', async (session) => {
      const patch = (set: Record<string, unknown>) => session.apply([{ kind: 'patch', collection: 'people', id: 'a', set }]);
      await patch({ Since: '1' });
      await patch({ Email: 'ada@example.org' });
      seen.push(structuredClone(await session.get('people', 'a')), await session.get('people', 'a'));
      await patch({ Since: '2' });
      await patch({ Name: 'Ada Lovelace' });
      seen.push(await session.get('people', 'a'));
      return 2n;
    });
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]).toEqual({ _id: 'a', Org: 'o1', Name: 'Ada', Since: '1', Email: 'ada@example.org' });
    expect(await store.get('people', 'a')).toEqual({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace', Since: '2', Email: 'ada@example.org' });
    expect(seen[2]).toEqual(await store.get('people', 'a'));
    // Nor one it wrote out mid-batch: that is the record of what the table holds.
    await store.runBatch('people', async (session) => {
      await session.apply([{ kind: 'patch', collection: 'people', id: 'a', set: { Since: '3' } }]);
      expect(await session.count('people', { Since: '3' })).toBe(1);
      await session.apply([{ kind: 'patch', collection: 'people', id: 'a', set: { Since: '4' } }]);
      return 3n;
    });
    expect(await store.count('people', { Since: '4' })).toBe(1);
  });

  it('counts exactly after every commit, from its own batches or from another connection', async () => {
    const store = await open();
    await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace' })]);
    expect(await store.count('people', { Org: 'o1' })).toBe(1);
    expect(await store.count('people', { Org: 'o1' })).toBe(1);
    await write(store, [upsert({ _id: 'b', Org: 'o1', Name: 'Alan Turing' })]);
    expect(await store.count('people', { Org: 'o1' })).toBe(2);
    const tool = new Database(file);
    try {
      // A writer other than the store fills the field and search columns itself.
      tool.prepare(`INSERT INTO rm_people (id, doc, f_Org, s_Name) VALUES (?, ?, ?, ?)`).run('g', JSON.stringify({ _id: 'g', Org: 'o1', Name: 'Grace Hopper' }), 'o1', 'grace hopper');
    } finally {
      tool.close();
    }
    expect(await store.count('people', { Org: 'o1' })).toBe(3);
    await write(store, [{ kind: 'delete', collection: 'people', id: 'a' }]);
    expect(await store.count('people', { Org: 'o1' })).toBe(2);
  });

  it('keeps documents, text index and checkpoints across a reopen', async () => {
    const first = await open();
    await write(first, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace' })], 12n);
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    const second = await open();
    expect(await second.getCheckpoint('people')).toBe(12n);
    expect(ids(await second.find('people', { Name: { $contains: 'LOVELACE' } }))).toEqual(['a']);
  });

  it('keeps every :memory: store private, with the same isolation of uncommitted batches', async () => {
    const one = await open(':memory:');
    const two = await open(':memory:');
    await write(one, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada' })]);
    expect(await one.get('people', 'a')).not.toBeNull();
    expect(await two.get('people', 'a')).toBeNull();

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batch = one.runBatch('people', async (session) => {
      await session.apply([{ kind: 'delete', collection: 'people', id: 'a' }]);
      await gate;
      return 2n;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await one.get('people', 'a')).not.toBeNull();
    release();
    await batch;
    expect(await one.get('people', 'a')).toBeNull();
  });

  it('applies a batch too large to hold in memory completely', async () => {
    const store = await open();
    const many = Array.from({ length: 10_050 }, (_, i) => upsert({ _id: `d${i}`, Org: 'o1', Name: `Person ${i}` }));
    await store.runBatch('people', async (session) => {
      await session.apply(many);
      await session.apply([
        { kind: 'patch', collection: 'people', id: 'd0', set: { Name: 'First' } },
        { kind: 'patch', collection: 'people', id: 'd10049', set: { Name: 'Last' } },
      ]);
      return 1n;
    });
    expect(await store.count('people', { Org: 'o1' })).toBe(10_050);
    expect(ids(await store.find('people', { Name: { $contains: 'first' } }))).toEqual(['d0']);
    expect((await store.get('people', 'd10049'))?.Name).toBe('Last');
  });

  it('holds ten times as many documents in a rebuild\'s batch before writing them out early', async () => {
    // A document handed out stays the held one until the batch writes everything out and lets go.
    const stillHeld = async (store: SqliteReadStore, held: number) => {
      await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada' })]);
      let same = false;
      await store.runBatch('people', async (session) => {
        const before = await session.get('people', 'a');
        await session.apply(Array.from({ length: held }, (_, i) => upsert({ _id: `d${i}`, Org: 'o1', Name: `Person ${i}` })));
        same = (await session.get('people', 'a')) === before;
        return 2n;
      });
      expect(await store.count('people', { Org: 'o1' })).toBe(held + 1);
      return same;
    };
    expect(await stillHeld(await open(), 10_050)).toBe(false);
    expect(await stillHeld(await open(join(dir, 'rebuild.sqlite'), { rebuild: true }), 10_050)).toBe(true);
    expect(await stillHeld(await open(join(dir, 'rebuild-2.sqlite'), { rebuild: true }), 100_050)).toBe(false);
  });

  it('drops an index, and a field column, the collection no longer declares; declared again, they come back filled', async () => {
    const store = await open();
    await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada', Since: '2020' }), upsert({ _id: 'b', Org: 'o1', Name: 'Alan', Since: '2021' })]);
    await store.ensureCollections([{ ...people, indexes: [] }]);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare(`SELECT name FROM pragma_index_list('rm_people') WHERE origin = 'c'`).pluck().all()).toEqual([]);
      // Only the text fields' search columns are left.
      expect(db.prepare(`SELECT name FROM pragma_table_xinfo('rm_people') WHERE name LIKE '_\\_%' ESCAPE '\\'`).pluck().all()).toEqual(['s_Name', 's_Email']);
    } finally {
      db.close();
    }
    expect(ids(await store.find('people', { Org: 'o1' }, { sort: [['Since', -1]] }))).toEqual(['b', 'a']);
    await store.ensureCollections([people]);
    expect(ids(await store.find('people', { Org: 'o1' }, { sort: [['Since', -1]] }))).toEqual(['b', 'a']);
  });

  it('opens with a text field fewer (its column goes, though a trigger named it) and searches the rest', async () => {
    const store = await open();
    await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada', Email: 'ada@example.org' })]);
    await store.ensureCollections([{ ...people, textFields: ['Name'] }]);
    expect(ids(await store.find('people', { Name: { $contains: 'ada' } }))).toEqual(['a']);
    await write(store, [upsert({ _id: 'b', Org: 'o1', Name: 'Adam' })], 2n);
    expect(ids(await store.find('people', { Name: { $contains: 'ada' } }, { sort: [['_id', 1]] }))).toEqual(['a', 'b']);
  });

  it('moves a store whose text columns held the values themselves (the layout before search columns) to folded search columns', async () => {
    // An index that carries a text field, as the registrations' search index does.
    const ridden: CollectionSpec = { ...people, indexes: [['Org', 'Since', 'Name']] };
    const before = new SqliteReadStore(file);
    await before.ensureCollections([ridden]);
    await write(before, [upsert({ _id: 'a', Org: 'o1', Since: '2020', Name: 'ÉMILE Zola' }), upsert({ _id: 'b', Org: 'o1', Since: '2021', Name: 'Ada' })]);
    await before.close();
    // Back to the older layout: the values in f_ columns, the index on them, grams made from them.
    const old = new Database(file);
    const eGram = gramToken(0, 'é');
    try {
      registerGramsFunction(old);
      for (const suffix of ['ai', 'au', 'ad']) old.exec(`DROP TRIGGER rm_people_fts_${suffix}`);
      old.exec('DROP INDEX "rm_people_ix(Org,Since,Name)"');
      for (const field of ['Name', 'Email']) {
        old.exec(`ALTER TABLE rm_people RENAME COLUMN s_${field} TO f_${field}`);
        old.exec(`UPDATE rm_people SET f_${field} = json_extract(doc, '$.${field}')`);
      }
      old.exec('CREATE INDEX "rm_people_ix(Org,Since,Name)" ON rm_people (f_Org, f_Since, f_Name)');
      old.exec(`INSERT INTO rm_people_grams (rm_people_grams) VALUES ('delete-all')`);
      old.exec(`INSERT INTO rm_people_grams (rowid, grams) SELECT rid, read_model_grams(f_Name, f_Email) FROM rm_people`);
      expect(old.prepare('SELECT count(*) FROM rm_people_grams WHERE rm_people_grams MATCH ?').pluck().get(`"${eGram}"`)).toBe(0);
    } finally {
      old.close();
    }
    const store = new SqliteReadStore(file);
    opened.push(store);
    await store.ensureCollections([ridden]);
    const search = async (text: string) => ids(await store.find('people', { Name: { $contains: text } }, { sort: [['_id', 1]] }));
    for (const needle of ['é', 'É', 'émile', 'MILE zola']) expect(await search(needle)).toEqual(['a']);
    await write(store, [upsert({ _id: 'b', Org: 'o1', Since: '2021', Name: 'Édith' })], 2n);
    expect(await search('é')).toEqual(['a', 'b']);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare(`SELECT name FROM pragma_table_xinfo('rm_people') WHERE name LIKE '_\\_%' ESCAPE '\\'`).pluck().all()).toEqual(['f_Org', 'f_Since', 's_Name', 's_Email']);
      expect(db.prepare(`SELECT name FROM pragma_index_info('rm_people_ix(Org,Since,Name)')`).pluck().all()).toEqual(['f_Org', 'f_Since', 's_Name']);
      expect(db.prepare('SELECT s_Name FROM rm_people WHERE id = ?').pluck().get('a')).toBe('émile zola');
    } finally {
      db.close();
    }
  });

  it('moves a store with generated field columns (the older layout) to plain ones, keeping every document', async () => {
    const old = new Database(file);
    try {
      old.pragma('journal_mode = WAL');
      old.exec(`CREATE TABLE rm_people (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)`);
      for (const field of ['Org', 'Since', 'Retired']) {
        old.exec(`ALTER TABLE rm_people ADD COLUMN f_${field} GENERATED ALWAYS AS (json_extract(doc, '$.${field}')) VIRTUAL`);
      }
      old.exec(`CREATE INDEX "rm_people_ix(Org,Since)" ON rm_people (f_Org, f_Since)`);
      old.exec(`CREATE INDEX "rm_people_ix(Org,Retired)" ON rm_people (f_Org, f_Retired)`);
      const insert = old.prepare('INSERT INTO rm_people (id, doc) VALUES (?, ?)');
      insert.run('a', JSON.stringify({ _id: 'a', Org: 'o1', Since: '2020', Name: 'Ada Lovelace' }));
      insert.run('b', JSON.stringify({ _id: 'b', Org: 'o2', Since: '2021', Name: 'Alan Turing' }));
    } finally {
      old.close();
    }
    const store = await open();
    expect(ids(await store.find('people', { Org: 'o1', Since: { $gte: '2019' } }))).toEqual(['a']);
    expect(ids(await store.find('people', { Name: { $contains: 'turing' } }))).toEqual(['b']);
    await write(store, [{ kind: 'updateMany', collection: 'people', filter: { Org: 'o2' }, set: { Org: 'o1' } }]);
    expect(ids(await store.find('people', { Org: 'o1' }, { sort: [['Since', -1]] }))).toEqual(['b', 'a']);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare(`SELECT name, hidden FROM pragma_table_xinfo('rm_people') WHERE name LIKE '_\\_%' ESCAPE '\\'`).all()).toEqual([
        { name: 'f_Org', hidden: 0 },
        { name: 'f_Since', hidden: 0 },
        { name: 's_Name', hidden: 0 },
        { name: 's_Email', hidden: 0 },
      ]);
    } finally {
      db.close();
    }
  });

  it('pages a common needle and a rare one alike, whichever way it finds the rows', async () => {
    const store = await open();
    const names = ['Ada Lovelace', 'Barbara Liskov', 'Grace Hopper'];
    const all = Array.from({ length: 300 }, (_, i) => ({
      _id: `p${String(i).padStart(3, '0')}`,
      Org: i % 7 === 0 ? 'o2' : 'o1',
      Name: `${names[i % 3]} ${i}`,
      Since: `2026-01-${String((i % 28) + 1).padStart(2, '0')}`,
    }));
    await write(store, all.map(upsert));
    const expected = (needle: string, skip: number, limit: number) =>
      all
        .filter((p) => p.Org === 'o1' && p.Name.toLowerCase().includes(needle))
        .sort((a, b) => b.Since.localeCompare(a.Since) || a._id.localeCompare(b._id))
        .slice(skip, skip + limit)
        .map((p) => p._id);
    for (const [needle, skip, limit] of [['ov', 0, 10], ['ov', 150, 20], ['e', 3, 5], ['liskov 1', 0, 50], ['hopper 29', 0, 10]] as const) {
      const found = await store.find('people', { Org: 'o1', Name: { $contains: needle } }, { sort: [['Since', -1]], skip, limit });
      expect(ids(found)).toEqual(expected(needle, skip, limit));
    }
  });

  it('finds a needle exactly when it holds a trigram most rows hold, which the index is then not asked for', async () => {
    const store = await open();
    // "l01" in LONG_LIST rows, a long list: the index is asked for
    // "0125000", which b holds too; the test on the row leaves it out.
    const common = Array.from({ length: LONG_LIST }, (_, i) => ({ _id: `n${i}`, Org: 'o1', Name: `Learner ${i}`, Email: `l01-${i}@example.org` }));
    const rare = [
      { _id: 'a', Org: 'o1', Name: 'Code L0125000', Email: 'a@example.org' },
      { _id: 'b', Org: 'o1', Name: 'Code X0125000', Email: 'b@example.org' },
      { _id: 'c', Org: 'o2', Name: 'code l0125000 junior', Email: 'c@example.org' },
    ];
    await write(store, [...common, ...rare].map(upsert));
    // The premise: a planner on this file asks for the part, not the whole needle.
    const reader = new Database(file, { readonly: true });
    try {
      expect(new TrigramPlanner(new Connection(reader)).indexedPart('rm_people_fts', 't_Name', 'L0125000')).toBe('0125000');
    } finally {
      reader.close();
    }
    expect(ids(await store.find('people', { Name: { $contains: 'L0125000' } }, { sort: [['_id', 1]] }))).toEqual(['a', 'c']);
    expect(await store.count('people', { Name: { $contains: 'L0125000' } })).toBe(2);
    expect(ids(await store.find('people', { Org: 'o1', Name: { $contains: 'l0125000' } }, { sort: [['Since', -1]], limit: 10 }))).toEqual(['a']);
    expect(await store.count('people', { Name: { $contains: 'X0125000' } })).toBe(1);
  });

  it('pages needles that many rows hold each, which the text index is asked for together, as the substring tests do', async () => {
    const store = await open();
    // "lovelace" in LONG_LIST emails and "ada" in LONG_LIST names, both in a few rows only.
    const emails = Array.from({ length: LONG_LIST }, (_, i) => ({ _id: `e${i}`, Org: 'o1', Name: `Grace ${i}`, Email: `g.lovelace.${i}@example.org`, Since: '2026-01-01' }));
    const names = Array.from({ length: LONG_LIST }, (_, i) => ({ _id: `n${i}`, Org: 'o1', Name: `Ada ${i}`, Email: `a${i}@example.org`, Since: '2026-01-01' }));
    const both = Array.from({ length: 40 }, (_, i) => ({
      _id: `b${String(i).padStart(2, '0')}`,
      Org: i % 5 === 0 ? 'o2' : 'o1',
      // Every 7th holds "ada" in its email, not its name: the text index names it, the test on the row does not.
      Name: i % 7 === 0 ? `Grace Lovelace ${i}` : `ADA Lovelace ${i}`,
      Email: i % 7 === 0 ? `ada.lovelace.${i}@example.org` : `x.LOVELACE.${i}@example.org`,
      Since: `2026-02-${String((i % 9) + 1).padStart(2, '0')}`,
    }));
    // "lov" in their emails but not "lovelace": the index, asked for "lov" and "ada", names them too.
    const decoys = Array.from({ length: 3 }, (_, i) => ({ _id: `d${i}`, Org: 'o1', Name: `Ada Decoy ${i}`, Email: `ada.lovelac-ace.${i}@example.org`, Since: '2026-03-01' }));
    await write(store, [...emails, ...names, ...both, ...decoys].map(upsert));
    // The premise: a planner on this file finds neither needle rare, so it asks for both at once,
    // and for the rarest trigram of each, which name the 34 rows holding both and the decoys.
    const reader = new Database(file, { readonly: true });
    try {
      const planner = new TrigramPlanner(new Connection(reader));
      expect([planner.hits('rm_people_fts', 't_Email', 'lovelace'), planner.hits('rm_people_fts', 't_Name', 'ada')]).toEqual([LONG_LIST, LONG_LIST]);
      const needles = [{ column: 't_Name', text: 'ada' }, { column: 't_Email', text: 'Lovelace' }];
      planner.intersectedParts('rm_people_fts', needles);
      expect(planner.intersectedParts('rm_people_fts', needles)).toEqual(['ada', 'Lov']);
    } finally {
      reader.close();
    }
    const expected = (skip: number, limit: number) =>
      both
        .filter((p) => p.Org === 'o1' && p.Name.toLowerCase().includes('ada') && p.Email.toLowerCase().includes('lovelace'))
        .sort((a, b) => b.Since.localeCompare(a.Since) || a._id.localeCompare(b._id))
        .slice(skip, skip + limit)
        .map((p) => p._id);
    const filter = { Org: 'o1', Name: { $contains: 'ada' }, Email: { $contains: 'Lovelace' } };
    for (const [skip, limit] of [[0, 10], [10, 10], [25, 10], [100, 10]]) {
      expect(ids(await store.find('people', filter, { sort: [['Since', -1], ['_id', 1]], skip, limit }))).toEqual(expected(skip, limit));
    }
    expect(await store.count('people', filter)).toBe(expected(0, 100).length);
  });

  it('pages a needle of two words by the rarest trigram of each, as the substring test does', async () => {
    const store = await open();
    // 40 hold "Ada Lovelace" in various cases; "ada" and "lovelace" apart in LONG_LIST rows each.
    const apart = Array.from({ length: LONG_LIST }, (_, i) => ({ _id: `x${i}`, Org: 'o1', Name: i % 2 ? `Ada Byron ${i}` : `Grace Lovelace ${i}`, Since: '2026-01-01' }));
    const both = Array.from({ length: 40 }, (_, i) => ({
      _id: `b${String(i).padStart(2, '0')}`,
      Org: i % 5 === 0 ? 'o2' : 'o1',
      Name: i % 3 === 0 ? `ADA LOVELACE ${i}` : `Ada Lovelace ${i}`,
      Since: `2026-02-${String((i % 9) + 1).padStart(2, '0')}`,
    }));
    // "ada" and "lov" but not "ada lovelace": the index, asked for "ada" and "lov", names them too.
    const decoys = Array.from({ length: 3 }, (_, i) => ({ _id: `d${i}`, Org: 'o1', Name: `Lovelace Ada ${i}`, Since: '2026-03-01' }));
    await write(store, [...apart, ...both, ...decoys].map(upsert));
    // The premise: a planner on this file asks for "ada" and "lov", which name the 40 and the decoys.
    const reader = new Database(file, { readonly: true });
    try {
      const planner = new TrigramPlanner(new Connection(reader));
      planner.indexedParts('rm_people_fts', 't_Name', 'Ada Lovelace');
      expect(planner.indexedParts('rm_people_fts', 't_Name', 'Ada Lovelace')).toEqual(['Ada', 'Lov']);
    } finally {
      reader.close();
    }
    const expected = (skip: number, limit: number) =>
      both
        .filter((p) => p.Org === 'o1')
        .sort((a, b) => b.Since.localeCompare(a.Since) || a._id.localeCompare(b._id))
        .slice(skip, skip + limit)
        .map((p) => p._id);
    const filter = { Org: 'o1', Name: { $contains: 'ada Lovelace' } };
    for (let round = 0; round < 2; round++) {
      for (const [skip, limit] of [[0, 10], [10, 10], [25, 10], [100, 10]]) {
        expect(ids(await store.find('people', filter, { sort: [['Since', -1], ['_id', 1]], skip, limit }))).toEqual(expected(skip, limit));
      }
      expect(await store.count('people', filter)).toBe(expected(0, 100).length);
    }
  });

  it('renders a view for the documents already there when it is declared, again when its fields change, and drops it', async () => {
    const store = await open();
    await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace', Since: '2020' })]);
    const card = async () => JSON.parse(await store.findView('people', {}, undefined, 'card'));
    await store.ensureCollections([{ ...people, views: { card: ['Name', 'Org'] } }]);
    expect(await card()).toEqual([{ Name: 'Ada Lovelace', Org: 'o1' }]);
    await store.ensureCollections([{ ...people, views: { card: ['Since', 'Name'] } }]);
    expect(await card()).toEqual([{ Since: '2020', Name: 'Ada Lovelace' }]);
    await store.ensureCollections([people]);
    await expect(card()).rejects.toThrow('has no view');
  });

  it('an updateMany renders a view that another writer left empty, then sets the new values in it', async () => {
    const store = await open();
    await store.ensureCollections([{ ...people, views: { card: ['Name', 'Org', 'Since'] } }]);
    await write(store, [upsert({ _id: 'a', Org: 'o1', Name: 'Ada Lovelace', Since: '2020' })]);
    const db = new Database(file);
    db.prepare('UPDATE rm_people SET v_card = NULL').run();
    db.close();
    await write(store, [{ kind: 'updateMany', collection: 'people', filter: { Org: 'o1' }, set: { Name: 'Ada King' } }], 2n);
    const text = await store.findView('people', {}, undefined, 'card');
    expect(text).toBe('[{"Name":"Ada King","Org":"o1","Since":"2020"}]');
  });

  it('refuses to query a collection that was never created', async () => {
    const store = await open();
    await expect(store.find('nonexistent', {})).rejects.toThrow(/Unknown read-model collection "nonexistent"/);
  });
});

describe('replaceCollection (the rebuild switch-over)', () => {
  const pets: CollectionSpec = { name: 'pets', indexes: [['Org']], textFields: ['Name'] };

  /** A live store (people and pets, queried once so that its caches hold the old tables) and a rebuild's fresh file of people, indexed. */
  async function liveAndRebuilt() {
    const live = await open();
    await live.ensureCollections([people, pets]);
    await write(live, [upsert({ _id: 'old', Org: 'o1', Name: 'Grace Hopper', Since: 1 }), { kind: 'upsert', collection: 'pets', doc: { _id: 'rex', Org: 'o1', Name: 'Rex' } }]);
    expect(ids(await live.find('people', { Name: { $contains: 'hopper' } }))).toEqual(['old']);
    const rebuiltFile = join(dir, 'rebuilt.sqlite');
    const rebuilt = await open(rebuiltFile, { rebuild: true });
    await write(rebuilt, [1, 2, 3].map((i) => upsert({ _id: `p${i}`, Org: 'o1', Name: `Ada Lovelace ${i}`, Email: `ada${i}@example.org`, Since: i })));
    await rebuilt.buildIndexes();
    // A catch-up batch after the build: its row waits in the rebuild's text queue.
    await write(rebuilt, [upsert({ _id: 'p4', Org: 'o1', Name: 'Ada Lovelace 4', Since: 4 })], 2n);
    await rebuilt.close();
    const db = new Database(file);
    // As the switch-over's connection: it writes FTS5's shadow tables.
    db.unsafeMode(true);
    registerGramsFunction(db);
    db.prepare('ATTACH DATABASE ? AS rebuilt').run(rebuiltFile);
    return { live, db };
  }

  it('puts the rebuilt rows in place with their indexes (and their text queue), under a store that keeps answering and writing', async () => {
    const { live, db } = await liveAndRebuilt();
    db.transaction(() => replaceCollection(db, 'rebuilt', people)).immediate();
    expect(db.prepare('SELECT count(*) FROM main.rm_people_fts_queue').pluck().get()).toBe(1);
    expect(db.prepare(`SELECT name FROM main.sqlite_master WHERE tbl_name = 'rm_people' AND type = 'index' AND name NOT LIKE 'sqlite_%'`).pluck().all()).toEqual([
      'rm_people_ix(Org,Since)',
    ]);
    db.close();

    expect(ids(await live.find('people', { Name: { $contains: 'hopper' } }))).toEqual([]);
    expect(ids(await live.find('people', { Name: { $contains: 'lovelace' } }, { sort: [['Since', 1]] }))).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(ids(await live.find('people', { Email: { $contains: 'a2' } }))).toEqual(['p2']);
    expect(await live.count('people', { Org: 'o1' })).toBe(4);
    expect(ids(await live.find('pets', { Name: { $contains: 're' } }))).toEqual(['rex']);
    await write(live, [upsert({ _id: 'new', Org: 'o1', Name: 'Alan Turing', Since: 5 })], 3n);
    expect(ids(await live.find('people', { Name: { $contains: 'tu' } }))).toEqual(['new']);
  });

  it('leaves the live collection as it was when its transaction rolls back', async () => {
    const { live, db } = await liveAndRebuilt();
    expect(() =>
      db
        .transaction(() => {
          replaceCollection(db, 'rebuilt', people);
          throw new Error('stop');
        })
        .immediate(),
    ).toThrow('stop');
    db.close();
    expect(ids(await live.find('people', { Name: { $contains: 'hopper' } }))).toEqual(['old']);
    expect(await live.count('people', {})).toBe(1);
  });
});

describe('createReadStore without a MongoDB URL', () => {
  it('stores read models in <dataDir>/read.sqlite, creating the folder', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = await createReadStore({ dataDir });
    opened.push(store);
    await store.ensureCollections([people]);
    await write(store, [upsert({ _id: 'a', Org: 'o1' })]);
    expect(existsSync(join(dataDir, 'read.sqlite'))).toBe(true);
    expect(store).toBeInstanceOf(SqliteReadStore);
  });
});
