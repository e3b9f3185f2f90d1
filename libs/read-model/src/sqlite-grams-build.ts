/**
 * A rebuild's grams index filled on another thread, while the index build goes on (the B-tree
 * indexes, the trigram index; `projections rebuild` runs that build before its switch-over). Its
 * fill was the largest part of the rebuild's serial end (at 1,000,000 registrations 21 of 48 s, at
 * 10,000 0.43 of 0.9 s) with the other core idle, and an SQLite file takes one writer at a time,
 * so the thread fills an index of the same name in a file of its own, from a copy of the rows'
 * text fields, and the index's tables are then copied in.
 *
 * The copy writes FTS5's shadow tables (`<name>_data`, `_idx`, `_docsize`, `_config`) through
 * their SQL names, which FTS5 documents but SQLite's defensive mode forbids: a connection of its
 * own does it with that mode off, and its commit tells the store's connections (SQLite's data
 * version) to read the index's structure again. The same rows in the same order give the same
 * index, segment by segment: a spec compares it with one filled in place.
 */
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { openShadowTableWriter } from './sqlite-connection.js';
import { gramsTableName, quote, tableName } from './sqlite-query.js';
import { FTS_SHADOW_TABLES, textOf } from './sqlite-schema.js';

/** What the thread fills (sqlite-grams-build.worker.ts). */
export interface GramsBuildJob {
  /** The file the rows' text fields were copied into (table `texts`: rid, then t0, t1, …). */
  file: string;
  collection: string;
  /** How many text fields each row has. */
  fields: number;
}

/** The text columns of the copy, `t0, t1, …`. */
export const textColumns = (fields: number): string => Array.from({ length: fields }, (_, i) => `t${i}`).join(', ');

/**
 * The compiled worker. Tests run this module from the TypeScript sources, which a worker thread
 * cannot load, so they use the build (`npm test` builds first).
 */
const BUILT_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? '../../../dist/libs/read-model/src/sqlite-grams-build.worker.js' : './sqlite-grams-build.worker.js',
  import.meta.url,
);

export class GramsBuild {
  private constructor(
    private readonly job: GramsBuildJob,
    private readonly worker: Worker,
    private readonly done: Promise<void>,
  ) {}

  /**
   * Copies the collection's text fields (in `fields`' order, the layout's) from `db`, outside any
   * transaction, into `file`, and starts filling its grams index there.
   */
  static start(db: Database.Database, file: string, collection: string, fields: readonly string[]): GramsBuild {
    // Started first: the thread boots (about 0.1 s) while the text fields are copied, then waits for its job.
    const worker = new Worker(BUILT_ENTRY);
    const done = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`Grams build ${file} stopped with exit code ${code}`))));
    });
    // Settled here too: a failure elsewhere first must not leave it unhandled.
    done.catch(() => undefined);
    const job: GramsBuildJob = { file, collection, fields: fields.length };
    const build = new GramsBuild(job, worker, done);
    try {
      copyTexts(db, file, collection, fields);
    } catch (error) {
      void build.discard();
      throw error;
    }
    worker.postMessage(job);
    return build;
  }

  /**
   * Waits for the fill, then replaces the grams index of the store in `storeFile` (made empty by
   * the index build, committed) with the filled one, on a connection of its own.
   */
  async adoptInto(storeFile: string): Promise<void> {
    await this.done;
    const grams = gramsTableName(this.job.collection);
    const db = openShadowTableWriter(storeFile);
    try {
      db.prepare('ATTACH DATABASE ? AS grams_build').run(this.job.file);
      const shadows = db.prepare(`SELECT name FROM grams_build.sqlite_schema WHERE type = 'table' AND name GLOB ? ORDER BY name`).pluck().all(`${grams}_*`);
      const expected = FTS_SHADOW_TABLES.map((suffix) => `${grams}_${suffix}`);
      if (shadows.join() !== expected.join()) throw new Error(`Unexpected FTS5 shadow tables of ${grams}: ${shadows.join(', ')}`);
      db.transaction(() => {
        for (const shadow of expected) {
          db.exec(`DELETE FROM main.${quote(shadow)}`);
          db.exec(`INSERT INTO main.${quote(shadow)} SELECT * FROM grams_build.${quote(shadow)}`);
        }
      }).immediate();
    } finally {
      db.close();
      await this.discard();
    }
  }

  /** Stops the thread if it still runs and removes its file. */
  async discard(): Promise<void> {
    await this.worker.terminate();
    rmSync(this.job.file, { force: true });
  }
}

/** Copies the collection's text fields (in `fields`' order) into a fresh `file`, table `texts`; on `db`, outside any transaction. */
function copyTexts(db: Database.Database, file: string, collection: string, fields: readonly string[]): void {
  rmSync(file, { force: true });
  db.prepare('ATTACH DATABASE ? AS grams_build').run(file);
  try {
    // A private file read once: no journal, no syncs. The store's page size: FTS5 writes its index
    // in blobs of about 4,000 bytes, which on SQLite's default 4 KiB pages each take an overflow
    // page too (at 100,000 registrations the fill took 0.3–0.5 s more CPU than in the store).
    db.pragma(`grams_build.page_size = ${db.pragma('main.page_size', { simple: true }) as number}`);
    db.pragma('grams_build.journal_mode = OFF');
    db.pragma('grams_build.synchronous = OFF');
    const columns = textColumns(fields.length);
    db.exec(`CREATE TABLE grams_build.texts (rid INTEGER PRIMARY KEY, ${columns})`);
    const texts = fields.map((field) => textOf(field)).join(', ');
    db.exec(`INSERT INTO grams_build.texts (rid, ${columns}) SELECT rid, ${texts} FROM main.${quote(tableName(collection))} ORDER BY rid`);
  } finally {
    db.exec('DETACH DATABASE grams_build');
  }
}
