/**
 * The embedded read store as seen by a process whose projector writes from another thread: one
 * read-only connection, no schema work, no WAL checkpointer. The writer (SqliteReadStore in the
 * projector) must have created the file first; it owns migrations, collections and checkpoints.
 * With a gate, every read of a document waits for it first (read-your-writes, see ReadGate);
 * checkpoints are read at once.
 *
 * With a gate, the reads of one turn of the event loop also share one read transaction (a
 * snapshot), ended at the end of the turn or as soon as the gate says the models hold more. SQLite
 * takes and drops a WAL read lock (two system calls) for every statement outside a transaction:
 * under load one turn answers many requests, and retrieve by id spent about a tenth of its CPU on
 * those locks. A snapshot lives one turn, so the WAL can still start over between turns.
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

export class SqliteQueryStore extends SqliteQueries implements QueryStore {
  private reader: Connection;
  protected view: SqliteView;
  private inSnapshot = false;

  constructor(
    file: string,
    private readonly gate: ReadGate | null = null,
  ) {
    super();
    ({ reader: this.reader, view: this.view } = SqliteQueryStore.open(file));
    gate?.onAdvance(() => this.endSnapshot());
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
   * connection. Reads are synchronous: none is under way on the old one.
   */
  async switchTo(file: string): Promise<void> {
    this.endSnapshot();
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
    this.endSnapshot();
    this.reader.db.close();
  }

  /** Once the gate lets it, runs a read (synchronous, though it returns a promise) in this turn's snapshot. */
  private gated<T>(read: () => Promise<T>): Promise<T> {
    return afterGate(this.gate, () => this.snapshotted(read));
  }

  /** Runs a read in this turn's snapshot, begun if need be. */
  private snapshotted<T>(read: () => Promise<T>): Promise<T> {
    if (this.gate !== null && !this.inSnapshot) {
      try {
        this.reader.statement('BEGIN').run();
      } catch (error) {
        // As the read itself would fail (a closed store): a rejection, never a throw.
        return Promise.reject(error);
      }
      this.inSnapshot = true;
      setImmediate(this.endSnapshot);
    }
    return read();
  }

  /** Never throws: it runs from the projector's progress messages and from a timer. */
  private readonly endSnapshot = (): void => {
    if (!this.inSnapshot) return;
    this.inSnapshot = false;
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
  };
}
