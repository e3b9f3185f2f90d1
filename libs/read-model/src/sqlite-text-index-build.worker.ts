/**
 * Worker thread of a rebuild's index build: fills a collection's text indexes from the text
 * fields copied into a file (see sqlite-text-index-build.ts), once told which, then exits; asked to
 * stop before that, it exits at once.
 */
import { once } from 'node:events';
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { COPIED_ROWS, type TextIndexBuildJob, textColumns } from './sqlite-text-index-build.js';
import { registerGramsFunction } from './sqlite-grams.js';
import { createTextIndexes, fillTextIndexes } from './sqlite-schema.js';
import { isStopRequest } from '../../sqlite-support/src/stoppable-worker.js';

const [message] = (await once(parentPort!, 'message')) as [TextIndexBuildJob | string];
// A stop asked for later is dropped: the fill is one SQLite call, which nothing interrupts.
parentPort!.close();
if (!isStopRequest(message)) fill(message as TextIndexBuildJob);

function fill(job: TextIndexBuildJob): void {
  const db = new Database(job.file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    // As the store's own rebuild connection has (sqlite-read-store.ts): FTS5 merges the segments it writes.
    db.pragma('cache_size = -262144');
    registerGramsFunction(db);
    createTextIndexes(db, job.collection, job.fields);
    fillTextIndexes(db, job.collection, job.fields, textColumns(job.fields.length), COPIED_ROWS);
  } finally {
    db.close();
  }
}
