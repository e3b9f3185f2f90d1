/**
 * Moves SQLite's WAL checkpoints off the event loop, for the embedded event store and read store.
 *
 * With WAL and synchronous=NORMAL a commit only appends to the WAL file: no fsync. SQLite copies
 * the WAL back into the database (and fsyncs) in whichever commit crosses 1,000 pages, on the
 * event loop: measured at more than half an append's cost, and tens of milliseconds of stall for
 * every request waiting behind that commit. The writing connection turns that off
 * (`wal_autocheckpoint = 0`) and a worker thread with its own connection checkpoints on a timer
 * (PASSIVE: it never waits for, nor blocks, the writers and readers).
 *
 * SQLite starts the WAL over only when a write finds every frame copied, which a background pass
 * never achieves while the writer keeps writing; so once the WAL is past the threshold, the writer
 * checkpoints too: only the frames written since the background pass, so it stays cheap. What it
 * cannot skip is the sync of the database file that completes the copy (SQLite's, before it lets
 * the WAL start over), and that sync writes every page copied since the file's last sync: with
 * PASSIVE passes under load, most of the cycle's. So the worker syncs the file first (an extra
 * sync, never one less: SQLite's own order of syncs stays as it is) and copies what came meanwhile.
 *
 * The worker is plain CommonJS evaluated from a string, so it runs the same from the TypeScript
 * sources (tests) and from the build; it loads better-sqlite3 by the path this module resolves.
 */
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { syncThroughOpenDescriptor } from './sync-open-file.js';

/** Often enough that the WAL stays small, rarely enough that an idle store costs nothing worth measuring. */
const INTERVAL_MS = 200;

/** SQLite's own automatic checkpoint threshold, used again if the worker dies. */
const AUTO_CHECKPOINT_FRAMES = 1000;

/**
 * Past this many frames (128 MB of 4 KB pages) the writer helps the WAL start over. Its catch-up
 * copies little, but it syncs on the writer's thread, and every request in flight waits for it:
 * the fewer the better (at 1,000 register-lax a second, about one every 3.5 s for the read store).
 * Readers look frames up only among those not yet copied, so a longer WAL does not slow them.
 */
const RESTART_FRAMES = 32_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
const databasePath = fs.realpathSync(workerData.file);
const syncThroughOpenDescriptor = ${syncThroughOpenDescriptor.toString()};
const pass = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
// Past the start-over point, and every frame it saw copied.
const readyForCatchUp = ({ busy, log, checkpointed }) => busy === 0 && log >= workerData.restartFrames && checkpointed === log;
const checkpoint = () => {
  // Busy (e.g. another process holds a lock): tried again at the next tick.
  try {
    if (!readyForCatchUp(pass())) return;
    // The writer's catch-up ends with a sync of the database file on the writer's thread, which
    // would write every page copied since the last sync: most of them are written here instead.
    syncThroughOpenDescriptor(databasePath, fs);
    if (readyForCatchUp(pass())) parentPort.postMessage('ready for catch-up');
  } catch {}
};
// A full interval after each pass, however long its sync took (setInterval would start the next
// one at once): the writer asked to catch up must not find this connection holding the checkpoint
// lock, or its catch-up is busy, copies nothing, and the WAL grows past the start-over point.
let timer;
const tick = () => {
  checkpoint();
  timer = setTimeout(tick, workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', () => { clearTimeout(timer); db.close(); parentPort.close(); });
`;

export interface WalCheckpointerOptions {
  /**
   * Runs the writer's own catch-up checkpoint. A checkpoint cannot run inside an open transaction,
   * so a store whose transactions span awaits passes its write queue here. Default: right away.
   */
  onWriter?: (checkpoint: () => void) => void;
  intervalMs?: number;
  /** The start-over point in frames (default RESTART_FRAMES; tests use a small one). */
  restartFrames?: number;
}

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;

  /** `db`: the writing connection of a WAL database on disk; its automatic checkpoints stop. */
  constructor(db: Database.Database, options: WalCheckpointerOptions = {}) {
    const onWriter = options.onWriter ?? ((checkpoint) => checkpoint());
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // It allocates next to nothing: V8's default young generation would only cost memory.
      resourceLimits: { maxYoungGenerationSizeMb: 1 },
      workerData: {
        driver: driverPath,
        file: db.name,
        intervalMs: options.intervalMs ?? INTERVAL_MS,
        restartFrames: options.restartFrames ?? RESTART_FRAMES,
      },
    });
    db.pragma('wal_autocheckpoint = 0');
    let catchUpPending = false;
    // Only once the worker has copied all it saw: the writer then copies just what came since. (A
    // huge WAL, e.g. after a migration, would otherwise be copied on the event loop.) One at a time.
    this.worker.on('message', () => {
      if (catchUpPending) return;
      catchUpPending = true;
      onWriter(() => {
        catchUpPending = false;
        checkpointPassively(db);
      });
    });
    // Without the worker, SQLite's own checkpoints are better than a WAL that grows for ever.
    this.worker.on('error', () => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_FRAMES}`);
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    // A background helper: it must not keep the process alive (after the listeners, which ref it).
    this.worker.unref();
  }

  /** Stops the timer and closes the worker's connection. */
  async close(): Promise<void> {
    // Held again while it closes: otherwise a process with nothing else to do exits before it has.
    this.worker.ref();
    this.worker.postMessage('close');
    await this.exited;
  }
}

function checkpointPassively(db: Database.Database): void {
  if (!db.open || db.inTransaction) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Nothing is lost: the frames stay in the WAL until a later checkpoint copies them.
  }
}
