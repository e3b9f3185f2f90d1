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
 *
 * Calls of one turn of the event loop that share a key (a search's page and its count) go to one
 * thread in one message, answered in one message (a call of the same method, another request's,
 * is spread like any other): a message wakes a sleeping thread, which costs
 * this thread about 50 µs on a busy machine (profiled), and the page's count, already remembered
 * by that thread's connection, is not counted again by another.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { CollectionMissingError } from './read-store.js';
import { Worker } from 'node:worker_threads';
import { threadError } from '../../sqlite-support/src/thread-errors.js';

/** `switchTo`: the thread's connection moves to another file (a new generation of the read store). */
export type QueryMethod = 'find' | 'findView' | 'count' | 'switchTo';

export interface QueryCall {
  id: number;
  method: QueryMethod;
  args: unknown[];
}

export type ToQueryThread = QueryCall[] | 'close';

/** An error thrown in a thread, as it crosses back: rebuilt as the same class with the same message. */
export interface ThrownInThread {
  name: string;
  message: string;
  /** SqliteError's code (SQLITE_BUSY…). */
  code?: string;
  stack?: string;
}

export type QueryAnswer = { id: number; result: unknown } | { id: number; error: ThrownInThread };

/** The answers to one message's calls, in their order. */
export type FromQueryThread = QueryAnswer[];

/** Which file a path names: a path can come to name another (`read.sqlite` replaced by a link). */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export const identityOf = (file: string): FileIdentity => {
  const { dev, ino } = statSync(file);
  return { dev, ino };
};

/**
 * What a thread answers when its path no longer named the file this process reads once it had
 * opened it: the first `projections rebuild` replaces `read.sqlite`, a regular file, with a link
 * to a generation the projector has not caught up yet. A thread started then (they start on the
 * first query) would answer from that generation, behind the positions reads wait for. Its calls
 * are answered on this thread's connection instead, until the switch moves the threads.
 */
export const READ_STORE_REPLACED = 'ReadStoreReplacedError';

export interface QueryThreadData {
  readStoreFile: string;
  /** The file this process reads, as it was when `readStoreFile` was chosen. */
  fileIdentity?: FileIdentity;
}

export interface QueryThreadsOptions {
  readStoreFile: string;
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

/** The calls of this turn for one thread, sent together at its end. */
interface Batch {
  thread: QueryThread;
  calls: QueryCall[];
}

export class QueryThreads {
  private readonly threads: QueryThread[] = [];
  private nextId = 0;
  private closed = false;
  /** The file threads started from now on read. */
  private file: string;
  private fileIdentity: FileIdentity;
  /** This turn's batches, to be sent at its end. */
  private batches: Batch[] = [];
  /** This turn's latest batch by the key its calls share. */
  private readonly batchByKey = new Map<string, Batch>();

  constructor(private readonly options: QueryThreadsOptions) {
    if (!Number.isSafeInteger(options.size) || options.size < 1) throw new RangeError('A pool of query threads needs at least one');
    this.file = options.readStoreFile;
    this.fileIdentity = identityOf(this.file);
  }

  /**
   * Runs the store's `method` in a thread; `args` must be plain data (they are copied across).
   * Calls of this turn with the same `together` key run in the same thread, in one message.
   */
  call(method: QueryMethod, args: unknown[], together?: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('The query threads are closed'));
    const call: QueryCall = { id: this.nextId++, method, args };
    let batch = together === undefined ? undefined : this.batchByKey.get(together);
    // The same query asked again (another request's) is spread like any other.
    if (!batch || batch.calls.some((queued) => queued.method === method)) {
      if (this.batches.length === 0) queueMicrotask(() => this.send());
      batch = { thread: this.pick(), calls: [] };
      this.batches.push(batch);
      if (together !== undefined) this.batchByKey.set(together, batch);
    }
    batch.calls.push(call);
    const { calls } = batch.thread;
    return new Promise((resolve, reject) => calls.set(call.id, { resolve, reject }));
  }

  /**
   * Every thread reads `file` from now on: resolves once each has closed its connection to the
   * previous one. Calls sent before are answered from the previous file, later ones from `file`
   * (a thread answers its messages in order). A thread that cannot open `file` is ended (one
   * would start in its place): it must not answer from the previous file any more.
   */
  async switchTo(file: string): Promise<void> {
    this.file = file;
    this.fileIdentity = identityOf(file);
    this.send();
    await Promise.all(
      this.threads.map((thread) => {
        const call: QueryCall = { id: this.nextId++, method: 'switchTo', args: [file] };
        const done = new Promise((resolve, reject) => thread.calls.set(call.id, { resolve, reject }));
        thread.worker.postMessage([call] satisfies ToQueryThread);
        // Terminated, not asked to stop (stoppable-worker.ts): it must not answer from the previous
        // file any more. A read it was sent meanwhile may be under way; only an SQLite error thrown
        // just then would abort the process, and reads of a file already open rarely fail.
        return done.catch(() => thread.worker.terminate());
      }),
    );
  }

  /** Lets every thread finish the calls it holds, then closes their connections. */
  async close(): Promise<void> {
    this.send();
    this.closed = true;
    const exits = this.threads.map((thread) => thread.exited);
    for (const thread of this.threads) thread.worker.postMessage('close' satisfies ToQueryThread);
    await Promise.all(exits);
  }

  /** How many threads run now. */
  get running(): number {
    return this.threads.length;
  }

  private send(): void {
    const batches = this.batches;
    this.batches = [];
    this.batchByKey.clear();
    for (const { thread, calls } of batches) {
      try {
        thread.worker.postMessage(calls satisfies ToQueryThread);
      } catch (error) {
        // Arguments that cannot be copied (the store sends only checked, plain data).
        for (const call of calls) settle(thread, { id: call.id, error: thrownInThread(error) });
      }
    }
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
      workerData: { readStoreFile: this.file, fileIdentity: this.fileIdentity } satisfies QueryThreadData,
    });
    const calls = new Map<number, Call>();
    let error: unknown = null;
    worker.on('message', (answers: FromQueryThread) => {
      for (const answer of answers) settle(thread, answer);
    });
    worker.on('error', (thrown) => (error = threadError(thrown)));
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

function settle(thread: QueryThread, answer: QueryAnswer): void {
  const call = thread.calls.get(answer.id);
  if (!call) return;
  thread.calls.delete(answer.id);
  if ('error' in answer) call.reject(rebuilt(answer.error));
  else call.resolve(answer.result);
}

const ERRORS_REBUILT_AS_THEMSELVES: Record<string, new (message: string) => Error> = { Error, TypeError, RangeError, SyntaxError, ReferenceError, CollectionMissingError };

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
    error = new (ERRORS_REBUILT_AS_THEMSELVES[thrown.name] ?? Error)(thrown.message);
    if (error.name !== thrown.name) error.name = thrown.name;
  }
  if (thrown.stack) error.stack = thrown.stack;
  return error;
}
