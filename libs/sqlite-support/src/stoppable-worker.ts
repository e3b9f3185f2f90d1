/**
 * Worker threads that use SQLite are stopped by asking them, never by `worker.terminate()`.
 * better-sqlite3 12 builds each SqliteError by calling into JavaScript; while V8 terminates the
 * thread that call fails, and the addon then aborts the whole process ("FATAL ERROR:
 * v8::ToLocalChecked Empty MaybeLocal"). A call failing at that moment is likeliest exactly when
 * a stop is needed: a full disk fails every thread's writes at once. That is how a rebuild at
 * 1,000,000 registrations ended when the disk filled (session 35): its main thread failed, the
 * worker it terminated aborted the CLI, and 3.4 GB of its files were left on the full disk.
 *
 * A thread asked to stop finds out at a point of its own choosing (`stopRequested`), closes its
 * connections and exits; `stop` resolves once it has. A thread inside one long SQLite call finishes
 * that call first.
 */
import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads';
import { threadError } from './thread-errors.js';

/** What `stop` posts. */
const STOP = 'stop';

export interface StoppableWorker {
  /** Settles when the thread exits: rejects with its error, or when it exits with another code than 0. */
  done: Promise<void>;
  /** Asks the thread to stop; resolves once it has exited, however it ended. */
  stop(): Promise<void>;
  /** Posts `message` to the thread. */
  post(message: unknown): void;
}

/** Starts `entry` in a worker thread; `name` says which in the error of a thread that exits with a code. */
export function startStoppableWorker(entry: URL, options: WorkerOptions, name: string): StoppableWorker {
  const worker = new Worker(entry, options);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const done = new Promise<void>((resolve, reject) => {
    worker.once('error', (thrown) => reject(threadError(thrown)));
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} stopped with exit code ${code}`))));
  });
  // Settled here too: a failure elsewhere first must not leave it unhandled.
  done.catch(() => undefined);
  return {
    done,
    stop: () => {
      // Dropped by a thread that has exited or closed its port: `exited` says when it ends.
      worker.postMessage(STOP);
      return exited;
    },
    post: (message) => worker.postMessage(message),
  };
}

/** Whether a message a thread received is `stop`'s. */
export const isStopRequest = (message: unknown): boolean => message === STOP;

/**
 * In a worker thread started by `startStoppableWorker`: a signal that aborts once the parent asks it
 * to stop. Messages are read between the thread's own turns of its event loop, so the thread must
 * yield now and then (a replay does before each read of the log); the port does not keep the
 * thread alive.
 */
export function stopRequested(): AbortSignal {
  const controller = new AbortController();
  parentPort!.on('message', (message: unknown) => {
    if (isStopRequest(message)) controller.abort(new Error('Stopped: its parent asked it to stop'));
  });
  parentPort!.unref();
  return controller.signal;
}
