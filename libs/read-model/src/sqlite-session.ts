/**
 * Reading and writing one SQLite connection: the query view (the store reads committed data with
 * it on its read-only connection) and the projection session (a batch, on the write connection,
 * inside the batch's transaction).
 */
import { assertDocId, normalizeFilter, normalizeFind, normalizeSet } from './normalized-query.js';
import type { Change, Doc, Filter, FindOptions, ProjectionSession, ReadView } from './read-store.js';
import type { Connection } from './sqlite-connection.js';
import { type CollectionLayout, countSql, findSql, quote, setDocSql, whereSql } from './sqlite-query.js';

export type LayoutOf = (collection: string) => CollectionLayout;

export class SqliteView implements ReadView {
  constructor(
    protected readonly connection: Connection,
    protected readonly layoutOf: LayoutOf,
  ) {}

  async get(collection: string, id: string): Promise<Doc | null> {
    assertDocId(id);
    const json = this.read(collection, id);
    return json === null ? null : (JSON.parse(json) as Doc);
  }

  async find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    const query = findSql(this.layoutOf(collection), normalizeFilter(filter), normalizeFind(options));
    const docs = this.connection.statement(query.sql).pluck().all(...query.params) as string[];
    return docs.map((doc) => JSON.parse(doc) as Doc);
  }

  async count(collection: string, filter: Filter): Promise<number> {
    const query = countSql(this.layoutOf(collection), normalizeFilter(filter));
    return this.connection.statement(query.sql).pluck().get(...query.params) as number;
  }

  /** The stored JSON of a document, or null. */
  protected read(collection: string, id: string): string | null {
    const table = quote(this.layoutOf(collection).table);
    const json = this.connection.statement(`SELECT doc FROM ${table} WHERE id = ?`).pluck().get(id);
    return (json as string | undefined) ?? null;
  }
}

/** A document as the batch has left it so far: its JSON (null: it does not exist). */
interface Held {
  json: string | null;
  /** Changed since it was read or last written to the table. */
  dirty: boolean;
}

/** Past this many held documents the batch writes them out early, to bound its memory. */
const MAX_HELD = 10_000;

/**
 * A batch's session. Documents it reads or changes are held in memory and written to the table
 * once, when the batch ends (or before a query that needs them in the table): a projection
 * rebuild changes the same document several times per batch (a registration and its next events),
 * and each write of a JSON document costs its indexes and triggers. A patch is applied to the held
 * JSON exactly as `json_set` would (top-level fields replaced, new ones appended).
 */
export class SqliteSession extends SqliteView implements ProjectionSession {
  private open = true;
  private readonly held = new Map<string, Map<string, Held>>();
  private heldCount = 0;

  async apply(changes: readonly Change[]): Promise<void> {
    if (!this.open) throw new Error('The batch of this session has ended');
    for (const change of changes) this.applyOne(change);
    if (this.heldCount > MAX_HELD) this.flush();
  }

  override async get(collection: string, id: string): Promise<Doc | null> {
    assertDocId(id);
    const { json } = this.hold(collection, id);
    return json === null ? null : (JSON.parse(json) as Doc);
  }

  override async find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    this.flush(collection);
    return super.find(collection, filter, options);
  }

  override async count(collection: string, filter: Filter): Promise<number> {
    this.flush(collection);
    return super.count(collection, filter);
  }

  /** Writes the changed documents to the tables: of one collection (kept held), or all (released). */
  flush(collection?: string): void {
    for (const name of collection === undefined ? [...this.held.keys()] : [collection]) {
      const docs = this.held.get(name);
      if (!docs) continue;
      const table = quote(this.layoutOf(name).table);
      for (const [id, doc] of docs) {
        if (!doc.dirty) continue;
        if (doc.json === null) {
          this.connection.statement(`DELETE FROM ${table} WHERE id = ?`).run(id);
        } else {
          this.connection
            .statement(`INSERT INTO ${table} (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`)
            .run(id, doc.json);
        }
        doc.dirty = false;
      }
    }
    if (collection === undefined) this.release();
  }

  end(): void {
    this.open = false;
    this.release();
  }

  private applyOne(change: Change): void {
    const layout = this.layoutOf(change.collection);
    switch (change.kind) {
      case 'upsert':
        assertDocId(change.doc?._id);
        this.keep(change.collection, change.doc._id, JSON.stringify(change.doc));
        return;
      case 'patch': {
        assertDocId(change.id);
        const entries = normalizeSet(change.set);
        const doc = this.hold(change.collection, change.id);
        // A missing document stays missing.
        if (entries.length === 0 || doc.json === null) return;
        const value = JSON.parse(doc.json) as Record<string, unknown>;
        for (const [field, fieldValue] of entries) value[field] = fieldValue;
        doc.json = JSON.stringify(value);
        doc.dirty = true;
        return;
      }
      case 'updateMany': {
        const entries = normalizeSet(change.set);
        if (entries.length === 0) return;
        const set = setDocSql(entries);
        const where = whereSql(layout, normalizeFilter(change.filter));
        this.flush(change.collection);
        this.connection
          .statement(`UPDATE ${quote(layout.table)} SET doc = ${set.sql}${where.sql}`)
          .run(...set.params, ...where.params);
        // Held copies may have changed in the table: read them again when needed.
        this.heldCount -= this.held.get(change.collection)?.size ?? 0;
        this.held.delete(change.collection);
        return;
      }
      case 'delete':
        assertDocId(change.id);
        this.keep(change.collection, change.id, null);
        return;
    }
  }

  /** The held document, read from the table the first time. */
  private hold(collection: string, id: string): Held {
    const docs = this.docsOf(collection);
    let doc = docs.get(id);
    if (!doc) {
      doc = { json: this.read(collection, id), dirty: false };
      docs.set(id, doc);
      this.heldCount++;
    }
    return doc;
  }

  private keep(collection: string, id: string, json: string | null): void {
    const docs = this.docsOf(collection);
    if (!docs.has(id)) this.heldCount++;
    docs.set(id, { json, dirty: true });
  }

  private docsOf(collection: string): Map<string, Held> {
    let docs = this.held.get(collection);
    if (!docs) {
      docs = new Map();
      this.held.set(collection, docs);
    }
    return docs;
  }

  private release(): void {
    this.held.clear();
    this.heldCount = 0;
  }
}
