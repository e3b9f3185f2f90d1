/**
 * A rebuild's text indexes (trigrams, then grams) filled on another thread, while the B-tree
 * indexes are built (`projections rebuild` runs that build before its switch-over). Their fills
 * were the largest part of the rebuild's serial end with the other core idle, and an SQLite file
 * takes one writer at a time, so the thread fills indexes of the same names in a file of its own,
 * from a copy of the rows' text fields, and the indexes' tables are then copied in.
 *
 * At 1,000,000 registrations the grams fill alone took 21 of 48 s of that end on this thread
 * (session 12), and the trigram fill with its merge 13.6 s more (session 17). With both on the
 * thread (session 29), profiles of `projections rebuild` at 1M showed the index build's end taking
 * 20 s instead of 29 (the thread's fills beside this thread's B-trees; 111.2 s in all against
 * 119.7); unprofiled runs, 93.4–101.5 s against 96.3–107.0, were within the machine's noise.
 *
 * The copy writes FTS5's shadow tables (`<name>_data`, `_idx`, `_docsize`, `_config`) through
 * their SQL names, which FTS5 documents but SQLite's defensive mode forbids: a connection of its
 * own does it with that mode off, and its commit tells the store's connections (SQLite's data
 * version) to read the indexes' structure again. The same rows in the same order give the same
 * index, segment by segment: a spec compares each with one filled in place.
 */
import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openShadowTableWriter } from './sqlite-connection.js';
import { ftsTableName, gramsTableName, quote, tableName } from './sqlite-query.js';
import { FTS_SHADOW_TABLES, textOf } from './sqlite-schema.js';
import { startStoppableWorker, type StoppableWorker } from '../../sqlite-support/src/stoppable-worker.js';

/** What the thread fills (sqlite-text-index-build.worker.ts). */
export interface TextIndexBuildJob {
  /** The file the rows' text fields were copied into (table `texts`: rid, then t0, t1, …). */
  file: string;
  collection: string;
  /** The text fields, in the layout's order: `t0` holds the first one's text. */
  fields: readonly string[];
}

/** The text columns of the copy, `t0, t1, …`. */
export const textColumns = (fields: number): string => Array.from({ length: fields }, (_, i) => `t${i}`).join(', ');

/** The rows of the copy, for a fill (a FROM clause in row id order). */
export const COPIED_ROWS = 'FROM texts ORDER BY rid';

/**
 * The compiled worker. Tests run this module from the TypeScript sources, which a worker thread
 * cannot load, so they use the build (`npm test` builds first).
 */
const BUILT_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? '../../../dist/libs/read-model/src/sqlite-text-index-build.worker.js' : './sqlite-text-index-build.worker.js',
  import.meta.url,
);

export class TextIndexBuild {
  private constructor(
    private readonly job: TextIndexBuildJob,
    private readonly worker: StoppableWorker,
  ) {}

  /** The FTS5 tables it fills, as `adoptInto` copies them in. */
  get tables(): string[] {
    return [ftsTableName(this.job.collection), gramsTableName(this.job.collection)];
  }

  /**
   * Copies the collection's text fields (in `fields`' order, the layout's) from `db`, outside any
   * transaction, into `file`, and starts filling its text indexes there.
   */
  static start(db: Database.Database, file: string, collection: string, fields: readonly string[]): TextIndexBuild {
    // Started first: the thread boots (about 0.1 s) while the text fields are copied, then waits for its job.
    const worker = startStoppableWorker(BUILT_ENTRY, {}, `Text index build ${file}`);
    const job: TextIndexBuildJob = { file, collection, fields: [...fields] };
    const build = new TextIndexBuild(job, worker);
    try {
      copyTexts(db, file, collection, fields);
    } catch (error) {
      void build.discard();
      throw error;
    }
    worker.post(job);
    return build;
  }

  /**
   * Waits for the fills, then replaces the text indexes of the store in `storeFile` (made empty by
   * the index build, committed) with the filled ones, in one transaction on a connection of its own.
   */
  async adoptInto(storeFile: string): Promise<void> {
    await this.worker.done;
    const db = openShadowTableWriter(storeFile);
    try {
      db.prepare('ATTACH DATABASE ? AS text_build').run(this.job.file);
      const shadowsOf = (table: string) => {
        const found = db.prepare(`SELECT name FROM text_build.sqlite_schema WHERE type = 'table' AND name GLOB ? ORDER BY name`).pluck().all(`${table}_*`);
        const expected = FTS_SHADOW_TABLES.map((suffix) => `${table}_${suffix}`);
        if (found.join() !== expected.join()) throw new Error(`Unexpected FTS5 shadow tables of ${table}: ${found.join(', ')}`);
        return expected;
      };
      const shadows = this.tables.flatMap(shadowsOf);
      db.transaction(() => {
        for (const shadow of shadows) {
          db.exec(`DELETE FROM main.${quote(shadow)}`);
          db.exec(`INSERT INTO main.${quote(shadow)} SELECT * FROM text_build.${quote(shadow)}`);
        }
      }).immediate();
    } finally {
      db.close();
      await this.discard();
    }
  }

  /**
   * Ends the thread and removes its file. A thread still waiting for its job ends at once; one
   * filling ends when its fill does, which is one SQLite call (stoppable-worker.ts says why it is
   * not terminated: after a full disk failed this thread's main one, its fill likely fails too).
   */
  async discard(): Promise<void> {
    await this.worker.stop();
    rmSync(this.job.file, { force: true });
  }
}

/** Copies the collection's text fields (in `fields`' order) into a fresh `file`, table `texts`; on `db`, outside any transaction. */
function copyTexts(db: Database.Database, file: string, collection: string, fields: readonly string[]): void {
  rmSync(file, { force: true });
  db.prepare('ATTACH DATABASE ? AS text_build').run(file);
  try {
    // A private file read once: no journal, no syncs. The store's page size: FTS5 writes its index
    // in blobs of about 4,000 bytes, which on SQLite's default 4 KiB pages each take an overflow
    // page too (at 100,000 registrations the fill took 0.3–0.5 s more CPU than in the store).
    db.pragma(`text_build.page_size = ${db.pragma('main.page_size', { simple: true }) as number}`);
    db.pragma('text_build.journal_mode = OFF');
    db.pragma('text_build.synchronous = OFF');
    const columns = textColumns(fields.length);
    db.exec(`CREATE TABLE text_build.texts (rid INTEGER PRIMARY KEY, ${columns})`);
    const texts = fields.map((field) => textOf(field)).join(', ');
    db.exec(`INSERT INTO text_build.texts (rid, ${columns}) SELECT rid, ${texts} FROM main.${quote(tableName(collection))} ORDER BY rid`);
  } finally {
    db.exec('DETACH DATABASE text_build');
  }
}
