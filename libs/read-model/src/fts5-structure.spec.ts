import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeStructure, encodeStructure, levelFor, liftedStructure } from './fts5-structure.js';
import { fillInBulk } from './sqlite-schema.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'fts5-structure-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A trigram index as the read store makes one (contentless, deletable), in a file of its own. */
function trigramIndex(): Database.Database {
  const db = new Database(join(dir, 'index.sqlite'));
  db.exec(`CREATE VIRTUAL TABLE t USING fts5(name, content='', contentless_delete=1, tokenize='trigram case_sensitive 0')`);
  return db;
}

const names = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov'];
const nameOf = (i: number) => `${names[i % names.length]} ${i}`;
const structureOf = (db: Database.Database) => db.prepare('SELECT block FROM t_data WHERE id = 10').pluck().get() as Uint8Array;
const found = (db: Database.Database, needle: string) => db.prepare('SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid').pluck().all(`"${needle}"`) as number[];
const expected = (rows: Map<number, string>, needle: string) =>
  [...rows].filter(([, name]) => name.toLowerCase().includes(needle)).map(([rowid]) => rowid);

describe('a bulk fill', () => {
  it('leaves one segment however many its hash wrote, and FTS5 finds the same rows', () => {
    // Given rows whose index is many times a 64 KiB hash
    const db = trigramIndex();
    db.exec('CREATE TABLE rows (rid INTEGER PRIMARY KEY, name TEXT)');
    const rows = new Map<number, string>();
    for (let i = 0; i < 3000; i++) rows.set(i + 1, nameOf(i));
    const insert = db.prepare('INSERT INTO rows (rid, name) VALUES (?, ?)');
    db.transaction(() => rows.forEach((name, rid) => insert.run(rid, name)))();
    // When they are filled in one statement
    fillInBulk(db, 't', 'INSERT INTO t (rowid, name) SELECT rid, name FROM rows ORDER BY rid', 64 * 1024);
    // Then
    expect(decodeStructure(structureOf(db))!.levels.flatMap((level) => level.segments)).toHaveLength(1);
    for (const needle of ['lovelace', 'ada', 'ng 29']) expect(found(db, needle)).toEqual(expected(rows, needle));
    db.exec(`INSERT INTO t (t) VALUES ('integrity-check')`);
  });
});

describe('FTS5 structure records', () => {
  it('decodes a record with segments on several levels, and encodes it back byte for byte', () => {
    // Given one segment per transaction, merged four at a time by FTS5 as they come
    const db = trigramIndex();
    for (let i = 0; i < 300; i++) db.prepare('INSERT INTO t (rowid, name) VALUES (?, ?)').run(i + 1, nameOf(i));
    const block = structureOf(db);
    const structure = decodeStructure(block)!;
    expect(structure.levels.filter((level) => level.segments.length > 0).length).toBeGreaterThan(1);
    expect([...encodeStructure(structure)]).toEqual([...block]);
  });

  it('lifts every segment to the level asked; FTS5 then finds the same rows, passes its check, and goes on merging new segments below', () => {
    // Given an index filled in one statement with a large hash, and some segments written after
    const db = trigramIndex();
    const rows = new Map<number, string>();
    db.exec(`INSERT INTO t (t, rank) VALUES ('hashsize', ${64 * 1024 * 1024})`);
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) {
        db.prepare('INSERT INTO t (rowid, name) VALUES (?, ?)').run(i + 1, nameOf(i));
        rows.set(i + 1, nameOf(i));
      }
    })();
    db.exec(`INSERT INTO t (t, rank) VALUES ('hashsize', ${1024 * 1024})`);
    const segmentsBefore = decodeStructure(structureOf(db))!.levels.flatMap((level) => level.segments).length;
    // When lifted to level 3 at least, on another connection (whose commit makes this one read the record again)
    const lifter = new Database(db.name);
    lifter.unsafeMode(true);
    lifter.prepare('UPDATE t_data SET block = ? WHERE id = 10').run(liftedStructure(structureOf(db), () => 3));
    lifter.close();
    const after = decodeStructure(structureOf(db))!;
    // One segment a level from level 3 up, the oldest highest
    expect(after.levels.map((level) => level.segments.length)).toEqual([0, 0, 0, ...Array(segmentsBefore).fill(1)]);
    for (const needle of ['lovelace', 'turing 1', 'ada', '199']) expect(found(db, needle)).toEqual(expected(rows, needle));
    db.exec(`INSERT INTO t (t) VALUES ('integrity-check')`);
    // Then: later writes (a segment each) merge below it, deletes apply to it
    for (let i = 2000; i < 2100; i++) {
      db.prepare('INSERT INTO t (rowid, name) VALUES (?, ?)').run(i + 1, `Konrad Zuse ${i}`);
      rows.set(i + 1, `Konrad Zuse ${i}`);
    }
    for (const rowid of [1, 2, 1500]) {
      db.prepare('DELETE FROM t WHERE rowid = ?').run(rowid);
      rows.delete(rowid);
    }
    const levels = decodeStructure(structureOf(db))!.levels;
    expect(levels.slice(0, 3).some((level) => level.segments.length > 0)).toBe(true);
    expect(levels.slice(3).flatMap((level) => level.segments).length).toBeGreaterThanOrEqual(segmentsBefore);
    for (const needle of ['lovelace', 'zuse', 'ada', '150']) expect(found(db, needle)).toEqual(expected(rows, needle));
    db.exec(`INSERT INTO t (t) VALUES ('integrity-check')`);
  });

  it('leaves a record as it is when its segments already sit that high, or its format is unknown', () => {
    const db = trigramIndex();
    db.prepare('INSERT INTO t (rowid, name) VALUES (1, ?)').run('Ada Lovelace');
    const block = structureOf(db);
    expect(liftedStructure(block, () => 0)).toBeNull();
    const unknown = Uint8Array.from(block);
    unknown[7] = 0x02; // not the version-2 marker, and not a version-1 record either
    expect(decodeStructure(unknown)).toBeNull();
    expect(liftedStructure(unknown, () => 3)).toBeNull();
  });

  it('puts a segment on the level four-way merges of 64-page segments would have given it', () => {
    expect([1, 64, 65, 256, 257, 47_028].map(levelFor)).toEqual([0, 0, 1, 1, 2, 5]);
  });
});
