/**
 * Moves SQLite's WAL checkpoints off the event loop.
 *
 * With WAL and synchronous=NORMAL a commit only appends to the WAL file: no fsync. The fsyncs
 * happen when the WAL is copied back into the database (a checkpoint), which SQLite by default
 * runs inside whichever commit crosses 1,000 pages: on the event loop, stalling every request
 * for tens of milliseconds. A connection that uses this turns its automatic checkpoints off, and
 * a worker thread with its own connection to the same file checkpoints instead (PASSIVE: it never
 * blocks a writer or a reader, it copies what it can and tries again on its next round).
 *
 * The worker is plain CommonJS evaluated from a string, so it runs the same from the TypeScript
 * sources (tests) and from the build; it loads better-sqlite3 by the path this module resolves.
 */
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface WalCheckpointerOptions {
  /** How often the worker checkpoints. */
  intervalMs?: number;
  /** 'FULL' for stores that must survive a power cut (the checkpoint syncs either way). */
  synchronous?: 'NORMAL' | 'FULL';
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 5000 });
db.pragma('synchronous = ' + workerData.synchronous);
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { /* busy or closing: next round */ }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage('closed');
});
`;

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  /** `db` is the writing connection of a WAL database on disk; its automatic checkpoints stop. */
  constructor(db: Database.Database, options: WalCheckpointerOptions = {}) {
    db.pragma('wal_autocheckpoint = 0');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: driverPath, file: db.name, intervalMs: options.intervalMs ?? 250, synchronous: options.synchronous ?? 'NORMAL' },
    });
    // The worker must never keep a process alive that has nothing else to do.
    this.worker.unref();
    // Without the worker, SQLite's own checkpoints are better than a WAL that grows for ever.
    this.worker.once('error', () => db.open && db.pragma('wal_autocheckpoint = 1000'));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Checkpoints once more and stops the worker. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.worker.once('message', () => resolve()));
    this.worker.postMessage('stop');
    await Promise.race([closed, this.exited]);
    await this.worker.terminate();
  }
}
