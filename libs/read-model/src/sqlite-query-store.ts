/**
 * The embedded read store as seen by a process whose projector writes from another thread: one
 * read-only connection, no schema work, no WAL checkpointer. The writer (SqliteReadStore in the
 * projector) must have created the file first; it owns migrations, collections and checkpoints.
 * With a gate, every read of a document waits for it first (read-your-writes, see ReadGate);
 * checkpoints are read at once.
 *
 * With a gate (the API's main thread), the reads asked for in one turn of the event loop run
 * together at the end of that turn (in its check phase), one after another in one read
 * transaction. Under load one turn parses many requests: their reads then run back to back while
 * SQLite's code and pages are still in the CPU's caches, instead of each between two requests'
 * HTTP work, and the WAL read lock (two system calls) is taken once for all of them. That took
 * about a quarter off retrieve's CPU (docs/performance.md, session 25). A read waits no longer
 * than the end of its turn, and sees every commit made before its turn's reads began.
 */
import Database from 'better-sqlite3';
import { afterGate, type ReadGate } from './read-gate.js';
import type { Doc, Filter, FindOptions, QueryStore } from './read-store.js';
import { Connection } from './sqlite-connection.js';
import { SqliteQueries } from './sqlite-queries.js';
import { CountCache } from './sqlite-count-cache.js';
import { LayoutCache, readCheckpoint } from './sqlite-schema.js';
import { SqliteView } from './sqlite-session.js';
import { registerFoldFunction } from './sqlite-text-fold.js';

/** A read asked for in this turn, run with the others at its end. */
interface QueuedRead {
  read: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SqliteQueryStore extends SqliteQueries implements QueryStore {
  private reader: Connection;
  protected view: SqliteView;
  private queued: QueuedRead[] = [];

  constructor(
    file: string,
    private readonly gate: ReadGate | null = null,
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

  override get(collection: string, id: string): Promise<Doc | null> {
    return this.gated(() => super.get(collection, id));
  }

  override find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    return this.gated(() => super.find(collection, filter, options));
  }

  override findView(collection: string, filter: Filter, options: FindOptions | undefined, view: string): Promise<string> {
    return this.gated(() => super.findView(collection, filter, options, view));
  }

  override getView(collection: string, id: string, view: string, match: Readonly<Record<string, string>>): Promise<string | null> {
    return this.gated(() => super.getView(collection, id, view, match));
  }

  override count(collection: string, filter: Filter): Promise<number> {
    return this.gated(() => super.count(collection, filter));
  }

  async getCheckpoint(projection: string): Promise<bigint | null> {
    return readCheckpoint(this.reader, projection);
  }

  async close(): Promise<void> {
    this.reader.db.close();
  }

  /**
   * Once the gate lets it, runs a read (synchronous, though it returns a promise) with the others
   * of its turn. The gate is asked now: the read must see what was stored before it was asked.
   */
  private gated<T>(read: () => Promise<T>): Promise<T> {
    if (this.gate === null) return read();
    return afterGate(this.gate, () => this.queue(read));
  }

  private queue<T>(read: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(this.runQueued);
      this.queued.push({ read, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** The turn's reads, in the order asked, in one read transaction. Never throws: it runs from a timer. */
  private readonly runQueued = (): void => {
    const reads = this.queued;
    this.queued = [];
    try {
      this.reader.statement('BEGIN').run();
    } catch (error) {
      // As each read itself would fail (a closed store).
      for (const { reject } of reads) reject(error);
      return;
    }
    for (const { read, resolve, reject } of reads) {
      try {
        read().then(resolve, reject);
      } catch (error) {
        reject(error);
      }
    }
    this.endTransaction();
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
