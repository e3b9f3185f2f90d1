/**
 * Worker thread of a rebuild's index build: fills a grams index from the text fields copied into
 * a file (see sqlite-grams-build.ts), once told which, then exits.
 */
import { once } from 'node:events';
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type GramsBuildJob, textColumns } from './sqlite-grams-build.js';
import { registerGramsFunction } from './sqlite-grams.js';
import { createGramsTable, fillGramsTable } from './sqlite-schema.js';

const [job] = (await once(parentPort!, 'message')) as [GramsBuildJob];
parentPort!.close();
const db = new Database(job.file);
try {
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  // As the store's own rebuild connection has (sqlite-read-store.ts): FTS5 merges the segments it writes.
  db.pragma('cache_size = -262144');
  registerGramsFunction(db);
  createGramsTable(db, job.collection);
  fillGramsTable(db, job.collection, textColumns(job.fields), 'FROM texts ORDER BY rid');
} finally {
  db.close();
}
