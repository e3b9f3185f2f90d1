/**
 * A small pool of worker threads, each with its own read-only connection to the embedded read
 * store, that answer the expensive reads (searches and counts). On the event loop, one search of
 * tens of milliseconds stalls every other request, commands included; in the pool it only takes
 * a core, and with two threads both cores answer queries.
 *
 * Threads start on demand: the first call starts one, and another only while every running one
 * is busy, so an API that is never searched pays no memory for them. A thread that dies fails the
 * calls it held (they are never retried: the caller sees an error) and the next call starts
 * another in its place.
 */
import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';

export type QueryMethod = 'find' | 'findView' | 'count';

export type ToQueryThread = { id: number; method: QueryMethod; args: unknown[] } | 'close';

/** An error thrown in a thread, as it crosses back: rebuilt as the same class with the same message. */
export interface ThrownInThread {
  name: string;
  message: string;
  /** SqliteError's code (SQLITE_BUSY…). */
  code?: string;
  stack?: string;
}

export type FromQueryThread = { id: number; result: unknown } | { id: number; error: ThrownInThread };

export interface QueryThreadData {
  readStoreFile: string;
}

export interface QueryThreadsOptions extends QueryThreadData {
  /** At most this many threads (at least 1). */
  size: number;
  /** The worker's module; the default is the built sqlite-query.worker.js. */
  entry?: URL;
}

/**
 * Small V8 limits: the API must stay within 300 MB of resident memory at a million registrations.
 * A thread holds one page of rows at a time; a young generation of V8's default size would only
 * grow its memory, and a runaway query fails its own thread (which is replaced), not the API.
 */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/**
 * The compiled worker. Tests run this module from the TypeScript sources, which a worker thread
 * cannot load, so they use the build (`npm test` builds first).
 */
const BUILT_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? '../../../dist/libs/read-model/src/sqlite-query.worker.js' : './sqlite-query.worker.js',
  import.meta.url,
);

interface Call {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

interface QueryThread {
  worker: Worker;
  calls: Map<number, Call>;
  exited: Promise<void>;
}

export class QueryThreads {
  private readonly threads: QueryThread[] = [];
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: QueryThreadsOptions) {
    if (!Number.isSafeInteger(options.size) || options.size < 1) throw new RangeError('A pool of query threads needs at least one');
  }

  /** Runs the store's `method` in a thread; `args` must be plain data (they are copied across). */
  call(method: QueryMethod, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('The query threads are closed'));
    const thread = this.pick();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      thread.worker.postMessage({ id, method, args } satisfies ToQueryThread);
      thread.calls.set(id, { resolve, reject });
    });
  }

  /** Lets every thread finish the calls it holds, then closes their connections. */
  async close(): Promise<void> {
    this.closed = true;
    const exits = this.threads.map((thread) => thread.exited);
    for (const thread of this.threads) thread.worker.postMessage('close' satisfies ToQueryThread);
    await Promise.all(exits);
  }

  /** How many threads run now. */
  get running(): number {
    return this.threads.length;
  }

  /** An idle thread, else a new one while there is room, else the least busy. */
  private pick(): QueryThread {
    let best: QueryThread | undefined;
    for (const thread of this.threads) if (!best || thread.calls.size < best.calls.size) best = thread;
    if (best && (best.calls.size === 0 || this.threads.length >= this.options.size)) return best;
    return this.spawn();
  }

  private spawn(): QueryThread {
    const worker = new Worker(this.options.entry ?? BUILT_ENTRY, {
      resourceLimits: RESOURCE_LIMITS,
      workerData: { readStoreFile: this.options.readStoreFile } satisfies QueryThreadData,
    });
    const calls = new Map<number, Call>();
    let error: unknown = null;
    worker.on('message', (message: FromQueryThread) => {
      const call = calls.get(message.id);
      if (!call) return;
      calls.delete(message.id);
      if ('error' in message) call.reject(rebuilt(message.error));
      else call.resolve(message.result);
    });
    worker.on('error', (thrown) => (error = thrown));
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        this.threads.splice(this.threads.indexOf(thread), 1);
        const died = new Error(`Query thread exited with code ${code}${error ? `: ${String(error)}` : ''}`);
        for (const call of calls.values()) call.reject(died);
        calls.clear();
        resolve();
      }),
    );
    const thread: QueryThread = { worker, calls, exited };
    this.threads.push(thread);
    return thread;
  }
}

const BUILT_IN_ERRORS: Record<string, new (message: string) => Error> = { Error, TypeError, RangeError, SyntaxError, ReferenceError };

/** What a thread sends back for an error it caught. */
export function thrownInThread(error: unknown): ThrownInThread {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code } = error as { code?: unknown };
  return { name: error.name, message: error.message, stack: error.stack, ...(typeof code === 'string' ? { code } : {}) };
}

/** The same class (a refused filter stays a TypeError), message and code; the thread's stack. */
function rebuilt(thrown: ThrownInThread): Error {
  let error: Error;
  if (thrown.name === 'SqliteError') error = new Database.SqliteError(thrown.message, thrown.code ?? 'SQLITE_ERROR');
  else {
    error = new (BUILT_IN_ERRORS[thrown.name] ?? Error)(thrown.message);
    if (error.name !== thrown.name) error.name = thrown.name;
  }
  if (thrown.stack) error.stack = thrown.stack;
  return error;
}
