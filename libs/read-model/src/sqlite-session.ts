/**
 * Reading and writing one SQLite connection: the query view (the store reads committed data with
 * it on its read-only connection) and the projection session (a batch, on the write connection,
 * inside the batch's transaction).
 */
import { assertDocId, assertFieldName, type Clause, type NormalizedFind, normalizeFilter, normalizeFind, normalizeSet } from './normalized-query.js';
import type { Change, Doc, Filter, FindOptions, ProjectionSession, ReadView } from './read-store.js';
import type { Statement } from 'better-sqlite3';
import type { Connection } from './sqlite-connection.js';
import type { CountCache } from './sqlite-count-cache.js';
import { columnValue, updateFromSql, upsertParams, upsertSql } from './sqlite-columns.js';
import { type CollectionLayout, countSql, drivesTrigrams, fieldColumn, findSql, foldNeedles, ftsColumn, quote, recentPageSql, searchColumn, setDocSql, drivingNeedles, type PageSql, type Sql, type TextPlan, valueOf, viewColumn, whereSql } from './sqlite-query.js';
import { searchForm } from './sqlite-text-fold.js';
import { TrigramPlanner } from './sqlite-trigram-plan.js';
import { viewSetsSql } from './sqlite-views.js';

/** A filter's clauses as the store's SQL takes them: needles folded like the search columns. */
const clausesOf = (filter: Filter): Clause[] => foldNeedles(normalizeFilter(filter));

export type LayoutOf = (collection: string) => CollectionLayout;

export class SqliteView implements ReadView {
  constructor(
    protected readonly connection: Connection,
    protected readonly layoutOf: LayoutOf,
    /** Only for views of committed data: a batch's own changes do not change data_version. */
    private readonly counts: CountCache | null = null,
  ) {
    // Which trigrams and needles are common is worth knowing for long-lived views of committed
    // data (those with a count cache); a batch's view asks the index for the longest whole needle.
    if (counts) {
      const planner = new TrigramPlanner(connection);
      this.textPlan = {
        hitsOf: (layout, { field, text }) => {
          const [table, column] = [layout.ftsTable!, ftsColumn(field)];
          return planner.hits(table, column, planner.indexedPart(table, column, text));
        },
        // One needle: a rare part of it, or a trigram of each word; several: a trigram of each.
        partsOf: (layout, needles) =>
          needles.length === 1
            ? [planner.indexedParts(layout.ftsTable!, ftsColumn(needles[0].field), needles[0].text)]
            : planner.intersectedParts(layout.ftsTable!, needles.map(({ field, text }) => ({ column: ftsColumn(field), text }))).map((part) => [part]),
      };
    }
  }

  private readonly textPlan: TextPlan | undefined;
  private readonly viewReads = new Map<string, Statement>();
  /**
   * Per layout, its read by id, made once: a replay reads a document for nearly every event it
   * projects (most of them misses, e.g. an exam event's new member), and building the SQL text, its
   * cache lookup and setting `pluck` were half of such a read.
   */
  private readonly readsById = new WeakMap<CollectionLayout, Statement>();
  /** By query text: as many as query shapes, but `$in` lists of every length make more. */
  private readonly sortedOffIndex = new Map<string, boolean>();

  async get(collection: string, id: string): Promise<Doc | null> {
    assertDocId(id);
    const json = this.read(collection, id);
    return json === null ? null : (JSON.parse(json) as Doc);
  }

  async find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    return this.findBy(collection, clausesOf(filter), options);
  }

  protected findBy(collection: string, clauses: Clause[], options?: FindOptions): Doc[] {
    const layout = this.layoutOf(collection);
    const find = normalizeFind(options);
    const textIndex = this.prefersTextIndex(layout, clauses, find);
    const docs = (textIndex && this.recentPage(collection, layout, clauses, find, 'doc')) || this.all(findSql(layout, clauses, find, textIndex, undefined, this.textPlan));
    return docs.map((doc) => JSON.parse(doc) as Doc);
  }

  async findView(collection: string, filter: Filter, options: FindOptions | undefined, view: string): Promise<string> {
    const layout = this.layoutOf(collection);
    if (!layout.views.has(view)) throw new Error(`Collection "${collection}" has no view "${view}"`);
    const clauses = clausesOf(filter);
    const find = normalizeFind(options);
    const textIndex = this.prefersTextIndex(layout, clauses, find);
    const select = quote(viewColumn(view));
    const rows = (textIndex && this.recentPage(collection, layout, clauses, find, select)) || this.all(findSql(layout, clauses, find, textIndex, select, this.textPlan));
    return `[${rows.join(',')}]`;
  }

  /**
   * A page of a text search sorted newest first by the collection's recent field (then `_id`), read
   * from its recent index (sqlite-recent-index.ts) when the matching rows there fill it; null when
   * they do not (the page then comes from the full text index). Only for views of committed data.
   */
  private recentPage(collection: string, layout: CollectionLayout, clauses: Clause[], find: NormalizedFind, select: string): string[] | null {
    if (!this.counts || layout.recentTables === null || find.limit === null) return null;
    const [first, second] = find.sort;
    const newestFirst = find.sort.length === 2 && first[0] === layout.recentField && first[1] === -1 && second[0] === '_id' && second[1] === 1;
    if (!newestFirst || !drivesTrigrams(drivingNeedles(layout, clauses, this.textPlan))) return null;
    const query = recentPageSql(layout, collection, clauses, find, select, this.textPlan);
    const rows = this.connection.statement(query.sql).pluck().all(...query.params) as string[];
    return rows.length === find.skip + find.limit ? rows.slice(find.skip) : null;
  }

  /** The page's first column, read in one pass when SQLite takes its order straight off an index. */
  private all(query: PageSql): string[] {
    const { sql, params } = query.direct && this.sortsOffIndex(query.direct) ? query.direct : query;
    return this.connection.statement(sql).pluck().all(...params) as string[];
  }

  /** Asked of SQLite's plan once per query text: no temporary b-tree means no sort. */
  private sortsOffIndex(query: Sql): boolean {
    let sorted = this.sortedOffIndex.get(query.sql);
    if (sorted === undefined) {
      const plan = this.connection.db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as Array<{ detail: string }>;
      sorted = !plan.some((step) => step.detail.includes('TEMP B-TREE'));
      if (this.sortedOffIndex.size >= MAX_REMEMBERED_PLANS) this.sortedOffIndex.clear();
      this.sortedOffIndex.set(query.sql, sorted);
    }
    return sorted;
  }

  /** Retrieve's read: one statement per collection, view and matched fields, prepared once. */
  async getView(collection: string, id: string, view: string, match: Readonly<Record<string, string>>): Promise<string | null> {
    assertDocId(id);
    const fields = Object.keys(match);
    const key = [collection, view, ...fields].join('\0');
    let select = this.viewReads.get(key);
    if (!select) {
      const layout = this.layoutOf(collection);
      if (!layout.views.has(view)) throw new Error(`Collection "${collection}" has no view "${view}"`);
      fields.forEach(assertFieldName);
      const where = ['id = ?', ...fields.map((field) => `${valueOf(layout, field)} = ?`)].join(' AND ');
      select = this.connection.statement(`SELECT ${quote(viewColumn(view))} FROM ${quote(layout.table)} WHERE ${where}`).pluck();
      this.viewReads.set(key, select);
    }
    return (select.get(id, ...fields.map((field) => match[field])) as string | undefined) ?? null;
  }

  async count(collection: string, filter: Filter): Promise<number> {
    return this.countBy(collection, clausesOf(filter));
  }

  protected countBy(collection: string, clauses: Clause[]): number {
    const query = countSql(this.layoutOf(collection), clauses, this.textPlan);
    if (this.counts) return this.counts.count(query.sql, query.params);
    return this.connection.statement(query.sql).pluck().get(...query.params) as number;
  }

  /**
   * A page of a text search can be found two ways: fetch every row the text index names (the
   * driving needles' candidates, see drivingNeedles) and sort them, or walk the sort's index in
   * order, testing each entry, until the page is full: about (skip + limit) × rows / matches
   * entries. For a needle that many rows hold ("ov" in a million names) the walk is far cheaper;
   * for a rare one, the index. Both are counts, remembered until the data changes: the total
   * (which a search asks anyway, for X-Total-Count) and, when some needle is only tested on the
   * rows, the driving needles' alone; the table's row count is bounded by its largest row id.
   * Only views with a count cache choose: inside a batch, the index always drives.
   */
  private prefersTextIndex(layout: CollectionLayout, clauses: Clause[], find: NormalizedFind): boolean {
    const drivers = drivingNeedles(layout, clauses, this.textPlan);
    if (!this.counts || find.limit === null || drivers.length === 0) return true;
    const countOf = (selected: readonly Clause[]) => {
      const count = countSql(layout, selected, this.textPlan);
      return this.counts!.count(count.sql, count.params);
    };
    const matches = countOf(clauses);
    if (matches === 0) return true;
    const candidates = countOf(clauses.filter((clause) => clause.op !== 'contains' || drivers.includes(clause)));
    // Remembered with the counts: the largest row id changes only when the data does.
    const rows = (this.counts!.count(`SELECT max(rid) FROM ${quote(layout.table)}`, []) as number | null) ?? 0;
    const walked = ((find.skip + find.limit) * rows) / matches;
    return walked >= WALKED_ENTRIES_PER_CANDIDATE * candidates;
  }

  /** The stored JSON of a document, or null. */
  protected read(collection: string, id: string): string | null {
    const layout = this.layoutOf(collection);
    let select = this.readsById.get(layout);
    if (!select) this.readsById.set(layout, (select = this.connection.statement(`SELECT doc FROM ${quote(layout.table)} WHERE id = ?`).pluck()));
    return (select.get(id) as string | undefined) ?? null;
  }
}

/** A document as the batch has left it so far, and as the table holds it. */
interface Held {
  /** null: it does not exist. */
  doc: Doc | null;
  /** What the table holds (null: nothing), or undefined when the batch never looked. */
  stored: Doc | null | undefined;
  /**
   * `doc` is a copy the session made, not handed out nor written since: the next patch may
   * change it in place (a registration's next events patch it several times per batch).
   */
  own: boolean;
}

/**
 * Measured at 10,000 and 1,000,000 rows: fetching and testing a candidate row costs about as much
 * as walking ten entries of the search index (which carries the text fields: no row is read).
 */
const WALKED_ENTRIES_PER_CANDIDATE = 10;

const MAX_REMEMBERED_PLANS = 500;

/** Past this many held documents (by default) the batch writes them out early, to bound its memory. */
export const MAX_HELD = 10_000;

/**
 * A batch's session. Documents it reads or changes are held in memory, parsed, and written to the
 * table once, when the batch ends (or before a query that needs them in the table): a projection
 * rebuild changes the same document several times per batch (a registration and its next events),
 * and each write of a JSON document costs its indexes and triggers. A patch replaces the held
 * document by a copy with the fields set exactly as `json_set` would (top-level fields replaced
 * where they stand, new ones appended), so what is written equals what `updateMany` would write.
 *
 * Documents the session returns are the held ones, not copies: projections treat them as
 * read-only (every change goes through `apply`).
 */
export class SqliteSession extends SqliteView implements ProjectionSession {
  private open = true;
  private readonly held = new Map<string, Map<string, Held>>();
  /** Per collection, the held documents changed since they were read or last written. */
  private readonly dirty = new Map<string, Set<string>>();
  private heldCount = 0;

  constructor(
    connection: Connection,
    layoutOf: LayoutOf,
    /** Called before a query that filters a collection (not a read by id), once the table holds its changes. */
    private readonly beforeQuery: (collection: string, clauses: readonly Clause[]) => void = () => {},
    /** Past this many held documents, `apply` writes them all out and lets them go. */
    private readonly maxHeld = MAX_HELD,
  ) {
    super(connection, layoutOf);
  }

  async apply(changes: readonly Change[]): Promise<void> {
    if (!this.open) throw new Error('The batch of this session has ended');
    for (const change of changes) this.applyOne(change);
    if (this.heldCount > this.maxHeld) this.flush();
  }

  override async get(collection: string, id: string): Promise<Doc | null> {
    assertDocId(id);
    const held = this.hold(collection, id);
    held.own = false;
    return held.doc;
  }

  override async find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    this.flush(collection);
    const clauses = clausesOf(filter);
    this.beforeQuery(collection, clauses);
    return this.findBy(collection, clauses, options);
  }

  override async count(collection: string, filter: Filter): Promise<number> {
    this.flush(collection);
    const clauses = clausesOf(filter);
    this.beforeQuery(collection, clauses);
    return this.countBy(collection, clauses);
  }

  /** Writes the changed documents to the tables: of one collection (kept held), or all (released). */
  flush(collection?: string): void {
    for (const name of collection === undefined ? [...this.dirty.keys()] : [collection]) {
      const ids = this.dirty.get(name);
      if (!ids || ids.size === 0) continue;
      const docs = this.held.get(name)!;
      const layout = this.layoutOf(name);
      for (const id of ids) {
        const held = docs.get(id)!;
        this.write(layout, id, held);
        held.stored = held.doc;
        held.own = false;
      }
      ids.clear();
    }
    if (collection === undefined) this.release();
  }

  private write(layout: CollectionLayout, id: string, { doc, stored }: Held): void {
    if (doc === null) {
      this.connection.statement(`DELETE FROM ${quote(layout.table)} WHERE id = ?`).run(id);
    } else if (stored) {
      const update = updateFromSql(layout, stored, doc);
      // Parameters as one array (better-sqlite3 binds its items), not spread into the call.
      this.connection.statement(update.sql).run(update.params);
    } else {
      this.connection.statement(upsertSql(layout)).run(upsertParams(layout, doc));
    }
  }

  end(): void {
    this.open = false;
    this.release();
  }

  private applyOne(change: Change): void {
    switch (change.kind) {
      case 'upsert':
        assertDocId(change.doc?._id);
        this.keep(change.collection, change.doc._id, change.doc);
        return;
      case 'patch': {
        assertDocId(change.id);
        const entries = normalizeSet(change.set);
        const held = this.hold(change.collection, change.id);
        // A missing document stays missing.
        if (entries.length === 0 || held.doc === null) return;
        const patched: Record<string, unknown> = held.own ? held.doc : { ...held.doc };
        for (const [field, value] of entries) patched[field] = value;
        this.keep(change.collection, change.id, patched as Doc, true);
        return;
      }
      case 'updateMany': {
        const entries = normalizeSet(change.set);
        if (entries.length === 0) return;
        this.flush(change.collection);
        const layout = this.layoutOf(change.collection);
        // An empty table has nothing to update: a replay defines its catalog (thousands of
        // learners) before any row shows it, and the statement costs far more to build than this.
        if (this.connection.statement(`SELECT 1 FROM ${quote(layout.table)} LIMIT 1`).pluck().get() === undefined) return;
        const clauses = clausesOf(change.filter);
        this.beforeQuery(change.collection, clauses);
        const set = setDocSql(entries);
        // The columns of the fields it sets, and the views showing them, change with the document.
        const columns = entries.filter(([field]) => layout.columnFields.has(field));
        const searched = entries.filter(([field]) => layout.searchFields.has(field));
        const columnSets =
          columns.map(([field]) => `, ${quote(fieldColumn(field))} = ?`).join('') +
          searched.map(([field]) => `, ${quote(searchColumn(field))} = ?`).join('');
        const views = viewSetsSql(layout, entries);
        const where = whereSql(layout, clauses);
        this.connection
          .statement(`UPDATE ${quote(layout.table)} SET doc = ${set.sql}${columnSets}${views.sql}${where.sql}`)
          .run(
            ...set.params,
            ...columns.map(([, value]) => columnValue(value)),
            ...searched.map(([, value]) => searchForm(value)),
            ...views.params,
            ...where.params,
          );
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
    let held = docs.get(id);
    if (held === undefined) {
      const json = this.read(collection, id);
      // Frozen: the held document is also the record of what the table holds, so a projection
      // that changed it in place (instead of through `apply`) would fail loudly, not silently.
      const doc = json === null ? null : Object.freeze(JSON.parse(json) as Doc);
      held = { doc, stored: doc, own: false };
      docs.set(id, held);
      this.heldCount++;
    }
    return held;
  }

  private keep(collection: string, id: string, doc: Doc | null, own = false): void {
    const docs = this.docsOf(collection);
    const held = docs.get(id);
    if (held) {
      held.doc = doc;
      held.own = own;
    } else {
      docs.set(id, { doc, stored: undefined, own });
      this.heldCount++;
    }
    let dirty = this.dirty.get(collection);
    if (!dirty) this.dirty.set(collection, (dirty = new Set()));
    dirty.add(id);
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
    this.dirty.clear();
    this.heldCount = 0;
  }
}
