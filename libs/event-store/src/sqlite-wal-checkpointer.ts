import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Often enough that the WAL stays small, rarely enough that an idle store costs nothing worth measuring. */
const INTERVAL_MS = 200;

/** SQLite's own automatic checkpoint threshold: past it, the writer helps the WAL start over. */
const RESTART_FRAMES = 1000;

/**
 * The worker's whole program: its own connection to the file and a PASSIVE checkpoint on a timer
 * (it never waits for, nor blocks, the writers and readers), each result posted back. A checkpoint
 * that fails (e.g. the file is busy in another process) is simply tried again at the next tick.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
const timer = setInterval(() => {
  try {
    parentPort.postMessage(db.pragma('wal_checkpoint(PASSIVE)')[0]);
  } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

interface CheckpointResult {
  busy: number;
  /** Frames in the WAL when the checkpoint started. */
  log: number;
  checkpointed: number;
}

/**
 * Copies a WAL file's commits back into the database from a worker thread. SQLite's automatic
 * checkpoint runs inside the commit that crosses its threshold, on the event loop, and measured
 * more than half of an append's cost (it writes pages back to the file and fsyncs); the writing
 * connection turns it off (`wal_autocheckpoint = 0`) and this does the bulk of it in the background.
 *
 * SQLite starts the WAL over only when a write finds every frame copied, which a background pass
 * never achieves while the writer keeps writing; so once the WAL is past the threshold, the writer
 * is asked (`catchUp`) to checkpoint itself: only the frames written since the background pass.
 */
export class SqliteWalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;

  /** `onFailure` runs if the worker dies: the writer should then checkpoint by itself again. */
  constructor(filePath: string, catchUp: () => void, onFailure: (error: Error) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: filePath, intervalMs: INTERVAL_MS } });
    this.worker.on('message', ({ busy, log }: CheckpointResult) => {
      if (busy === 0 && log >= RESTART_FRAMES) catchUp();
    });
    this.worker.on('error', onFailure);
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    // A background helper: it must not keep the process alive (after the listeners, which ref it).
    this.worker.unref();
  }

  /** Stops the timer and closes the worker's connection. */
  async close(): Promise<void> {
    this.worker.postMessage('close');
    await this.exited;
  }
}
