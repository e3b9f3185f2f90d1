/**
 * The embedded read store as seen by a process whose projector writes from another thread: one
 * read-only connection, no schema work, no WAL checkpointer. The writer (SqliteReadStore in the
 * projector) must have created the file first; it owns migrations, collections and checkpoints.
 * With a gate, every read of a document waits for it first (read-your-writes, see ReadGate);
 * checkpoints are read at once.
 *
 * With a gate (the API's main thread), the reads asked for in one turn of the event loop run
 * together at the end of that turn (in its check phase), one after another, in slices of about
 * SLICE_MS, each in one read transaction. Under load one turn parses many requests: their reads
 * then run back to back instead of each between two requests' HTTP work (presumably SQLite's code
 * and pages stay in the CPU's caches), and the WAL read lock (two system calls) is taken once per
 * slice. That took about a third off retrieve's CPU (docs/performance.md, session 25). A read
 * waits behind the reads asked before it (usually only until its turn's check phase), and sees
 * every commit made before its slice began.
 */
import Database from 'better-sqlite3';
import { afterGate, organizationOf, type ReadGate } from './read-gate.js';
import type { Doc, Filter, FindOptions, QueryStore } from './read-store.js';
import { Connection } from './sqlite-connection.js';
import { SqliteQueries } from './sqlite-queries.js';
import { CountCache } from './sqlite-count-cache.js';
import { LayoutCache, readCheckpoint } from './sqlite-schema.js';
import { SqliteView } from './sqlite-session.js';
import { registerFoldFunction } from './sqlite-text-fold.js';

/**
 * How long one batch of reads may run before its answers are let out. Thousands of retrieves fit
 * in it, about eight deep pages of a million registrations (1 ms each). Unbounded, a turn of 32
 * such pages answered all of them together after about 32 ms, and a request that just missed a
 * turn waited for two: p99 50–54 ms at 1M, 33–34 ms with this bound (2 ms: 32 ms, but at 10k
 * about 10 % more CPU per deep page, the batches being cut that much shorter).
 */
const SLICE_MS = 8;

/** A read asked for in this turn, run with the others at its end. */
interface QueuedRead {
  /** Reads asked in the same synchronous step (a search page and its total) share it. */
  step: number;
  read: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SqliteQueryStore extends SqliteQueries implements QueryStore {
  private reader: Connection;
  protected view: SqliteView;
  private queued: QueuedRead[] = [];
  private step = 0;
  private stepOpen = false;

  constructor(
    file: string,
    private readonly gate: ReadGate | null = null,
    /** How long one batch of reads may run before its answers are let out (SLICE_MS). */
    private readonly sliceMs = SLICE_MS,
  ) {
    super();
    ({ reader: this.reader, view: this.view } = SqliteQueryStore.open(file));
  }

  private static open(file: string): { reader: Connection; view: SqliteView } {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // Page sorts in memory, as SqliteReadStore's connections do (a temporary file costs ~50 µs each).
    db.pragma('temp_store = MEMORY');
    registerFoldFunction(db);
    const reader = new Connection(db);
    // Layouts are read once: the writer creates collections before the API serves (the projector
    // catches up first), and a running writer of the same version never changes them.
    const layouts = new LayoutCache(db, 'the projector creates it');
    return { reader, view: new SqliteView(reader, layouts.of, new CountCache(reader)) };
  }

  /**
   * Reads another file from now on (a new generation of the read store), closing this one's
   * connection. Reads run synchronously, in their turn's batch: none is under way on the old one.
   */
  async switchTo(file: string): Promise<void> {
    const previous = this.reader;
    ({ reader: this.reader, view: this.view } = SqliteQueryStore.open(file));
    previous.db.close();
  }

  override get(collection: string, id: string, organization?: string): Promise<Doc | null> {
    return this.gated(organization ?? null, () => super.get(collection, id));
  }

  override find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    return this.gated(organizationOf(filter), () => super.find(collection, filter, options));
  }

  override findView(collection: string, filter: Filter, options: FindOptions | undefined, view: string): Promise<string> {
    return this.gated(organizationOf(filter), () => super.findView(collection, filter, options, view));
  }

  override getView(collection: string, id: string, view: string, match: Readonly<Record<string, string>>): Promise<string | null> {
    return this.gated(organizationOf(match), () => super.getView(collection, id, view, match));
  }

  override count(collection: string, filter: Filter): Promise<number> {
    return this.gated(organizationOf(filter), () => super.count(collection, filter));
  }

  async getCheckpoint(projection: string): Promise<bigint | null> {
    return readCheckpoint(this.reader, projection);
  }

  async close(): Promise<void> {
    this.reader.db.close();
  }

  /**
   * Once the gate lets it, runs a read (synchronous, though it returns a promise) with the others
   * of its turn. The gate is asked now: the read must see what was stored before it was asked
   * (for the organization it is filtered to, if one).
   */
  private gated<T>(organization: string | null, read: () => Promise<T>): Promise<T> {
    if (this.gate === null) return read();
    return afterGate(this.gate, organization, () => this.queue(read));
  }

  private queue<T>(read: () => Promise<T>): Promise<T> {
    if (!this.stepOpen) {
      this.step++;
      this.stepOpen = true;
      queueMicrotask(this.closeStep);
    }
    const step = this.step;
    return new Promise<T>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(this.runQueued);
      this.queued.push({ step, read, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private readonly closeStep = (): void => {
    this.stepOpen = false;
  };

  /**
   * The queued reads, in the order asked, in one read transaction, for about `sliceMs`: the
   * answers of a slice go out before the rest runs (on the next check phase), so a turn of heavy
   * searches does not hold every answer until its last one. A slice is never cut between reads
   * asked in the same step, so a search page and its total always read the same data. The queue
   * holds at most the reads of the requests in flight. Never throws: it runs from a timer.
   */
  private readonly runQueued = (): void => {
    const reads = this.queued;
    try {
      this.reader.statement('BEGIN').run();
    } catch (error) {
      // As each read itself would fail (a closed store).
      this.queued = [];
      for (const { reject } of reads) reject(error);
      return;
    }
    const sliceEnd = performance.now() + this.sliceMs;
    let done = 0;
    while (done < reads.length) {
      const { step, read, resolve, reject } = reads[done++];
      try {
        read().then(resolve, reject);
      } catch (error) {
        reject(error);
      }
      if (done < reads.length && reads[done].step !== step && performance.now() >= sliceEnd) break;
    }
    this.endTransaction();
    this.queued = reads.slice(done);
    if (this.queued.length > 0) setImmediate(this.runQueued);
  };

  private endTransaction(): void {
    // A failed read may have ended it already (SQLite rolls back on some errors).
    if (!this.reader.db.inTransaction) return;
    try {
      this.reader.statement('COMMIT').run();
    } catch {
      // A read transaction holds no change: rolling it back ends it just as well.
      try {
        this.reader.statement('ROLLBACK').run();
      } catch {
        /* the connection is gone (closed); the next read says so */
      }
    }
  }
}
