import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { threadError } from './thread-errors.js';

/** What a worker's `error` event hands over when the worker dies of `source`. */
function thrownInWorker(source: string): Promise<unknown> {
  const worker = new Worker(source, { eval: true, workerData: { sqlite: createRequire(import.meta.url).resolve('better-sqlite3') } });
  return new Promise((resolve) => worker.once('error', resolve));
}

describe('threadError', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'thread-errors-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('says what SQLite said of a file that is not a database, which the error event reduces to its code', async () => {
    const file = join(dir, 'read.sqlite');
    writeFileSync(file, 'not a database, only text that fills a page or so '.repeat(100));
    const thrown = await thrownInWorker(
      `const { workerData } = require('node:worker_threads'); const Database = require(workerData.sqlite); new Database(${JSON.stringify(file)}).pragma('user_version');`,
    );
    expect(String(thrown)).toBe('[object Object]');
    expect(threadError(thrown).message).toBe('SQLITE_NOTADB: file is not a database');
  });

  it('keeps the name and message of an Error thrown as one, and turns anything else into one', async () => {
    const thrown = await thrownInWorker(`throw new RangeError('out of range')`);
    expect([threadError(thrown).name, threadError(thrown).message]).toEqual(['RangeError', 'out of range']);
    expect(threadError({ code: 'SQLITE_IOERR_WRITE' }).message).toBe('SQLITE_IOERR_WRITE: disk I/O error');
    expect(threadError({ name: 'SqliteError', message: 'database or disk is full', code: 'SQLITE_FULL' }).message).toBe('SQLITE_FULL: database or disk is full');
    expect(threadError(42).message).toBe('42');
  });
});
