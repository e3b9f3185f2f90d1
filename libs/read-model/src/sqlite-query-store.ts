/**
 * The embedded read store as seen by a process whose projector writes from another thread: one
 * read-only connection, no schema work, no WAL checkpointer. The writer (SqliteReadStore in the
 * projector) must have created the file first; it owns migrations, collections and checkpoints.
 */
import Database from 'better-sqlite3';
import { assertCollectionName } from './normalized-query.js';
import type { QueryStore } from './read-store.js';
import { Connection } from './sqlite-connection.js';
import { SqliteQueries } from './sqlite-queries.js';
import { CountCache } from './sqlite-count-cache.js';
import type { CollectionLayout } from './sqlite-query.js';
import { readCheckpoint, readLayout } from './sqlite-schema.js';
import { type LayoutOf, SqliteView } from './sqlite-session.js';

export class SqliteQueryStore extends SqliteQueries implements QueryStore {
  private readonly reader: Connection;
  protected readonly view: SqliteView;
  private readonly layouts = new Map<string, CollectionLayout>();

  constructor(file: string) {
    super();
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // Page sorts in memory, as SqliteReadStore's connections do (a temporary file costs ~50 µs each).
    db.pragma('temp_store = MEMORY');
    this.reader = new Connection(db);
    this.view = new SqliteView(this.reader, this.layoutOf, new CountCache(this.reader));
  }

  async getCheckpoint(projection: string): Promise<bigint | null> {
    return readCheckpoint(this.reader, projection);
  }

  async close(): Promise<void> {
    this.reader.db.close();
  }

  /**
   * Layouts are read once: the writer creates collections before the API serves (the projector
   * catches up first), and a running writer of the same version never changes them.
   */
  private readonly layoutOf: LayoutOf = (collection) => {
    let layout = this.layouts.get(collection);
    if (!layout) {
      assertCollectionName(collection);
      const found = readLayout(this.reader.db, collection);
      if (!found) throw new Error(`Unknown read-model collection "${collection}" (the projector creates it)`);
      layout = found;
      this.layouts.set(collection, layout);
    }
    return layout;
  };
}
