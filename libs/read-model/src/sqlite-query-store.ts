/**
 * The embedded read store as seen by a process whose projector writes from another thread: one
 * read-only connection, no schema work, no WAL checkpointer. The writer (SqliteReadStore in the
 * projector) must have created the file first; it owns migrations, collections and checkpoints.
 */
import Database from 'better-sqlite3';
import { assertCollectionName } from './normalized-query.js';
import type { Doc, Filter, FindOptions, QueryStore } from './read-store.js';
import { Connection } from './sqlite-connection.js';
import { CountCache } from './sqlite-count-cache.js';
import type { CollectionLayout } from './sqlite-query.js';
import { readLayout } from './sqlite-schema.js';
import { type LayoutOf, SqliteView } from './sqlite-session.js';

export class SqliteQueryStore implements QueryStore {
  private readonly reader: Connection;
  private readonly view: SqliteView;
  private readonly layouts = new Map<string, CollectionLayout>();

  constructor(file: string) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // Page sorts in memory, as SqliteReadStore's connections do (a temporary file costs ~50 µs each).
    db.pragma('temp_store = MEMORY');
    this.reader = new Connection(db);
    this.view = new SqliteView(this.reader, this.layoutOf, new CountCache(this.reader));
  }

  get(collection: string, id: string): Promise<Doc | null> {
    return this.view.get(collection, id);
  }

  find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    return this.view.find(collection, filter, options);
  }

  findView(collection: string, filter: Filter, options: FindOptions | undefined, view: string): Promise<string> {
    return this.view.findView(collection, filter, options, view);
  }

  getView(collection: string, id: string, view: string, match: Readonly<Record<string, string>>): Promise<string | null> {
    return this.view.getView(collection, id, view, match);
  }

  count(collection: string, filter: Filter): Promise<number> {
    return this.view.count(collection, filter);
  }

  async getCheckpoint(projection: string): Promise<bigint | null> {
    const position = this.reader
      .statement('SELECT position FROM projection_checkpoints WHERE projection = ?')
      .pluck()
      .get(projection) as string | undefined;
    return position === undefined ? null : BigInt(position);
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
