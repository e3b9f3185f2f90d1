import type { Doc, Filter, FindOptions } from './read-store.js';
import type { SqliteView } from './sqlite-session.js';

/**
 * The queries both embedded stores answer the same way, through their view of a read-only
 * connection: the projector's store (SqliteReadStore) and the API's (SqliteQueryStore).
 */
export abstract class SqliteQueries {
  protected abstract readonly view: SqliteView;

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
}
