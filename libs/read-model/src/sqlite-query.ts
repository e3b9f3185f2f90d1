/**
 * Pure translation of normalised filters, sorts and `set`s into SQL for the SQLite read store.
 * Field names are validated identifiers (see normalized-query.ts), so they can be spliced into
 * identifiers and JSON paths; every value is a bound parameter.
 *
 * Value semantics shared with the MongoDB adapter:
 * - a missing field and JSON null are both SQL NULL: equality with null matches either;
 * - columns have no affinity, so '1' never equals 1; strings compare bytewise (BINARY);
 * - `$gte`/`$lt` only match values of the bound's type (strings with strings, numbers with numbers);
 * - NULL sorts first ascending and last descending.
 * SQLite sees JSON true/false as 1/0, so a field must not mix booleans and numbers.
 */
import type { Clause, NormalizedFind } from './normalized-query.js';
import type { Scalar } from './read-store.js';
import { ftsPhrase, trigramPhrase } from './sqlite-fts-phrase.js';
import { gramToken, isShortNeedle } from './sqlite-grams.js';
import { FOLD_FUNCTION } from './sqlite-text-fold.js';
import { rarestOrAll } from './sqlite-trigram-plan.js';
import { foldText } from './text-fold.js';

/** What the store knows about one collection's table, read back from the schema. */
export interface CollectionLayout {
  table: string;
  /** The FTS5 trigram table over `textFields`, when there is one. */
  ftsTable: string | null;
  /** Row ids whose text changed since the FTS table was last brought up to date. */
  ftsQueue: string | null;
  /** The FTS5 table of every text field's 1- and 2-character substrings (see sqlite-grams.ts). */
  gramsTable: string | null;
  /**
   * The two generations (older, newer) of the trigram tables of the rows newest by `recentField`
   * (see sqlite-recent-index.ts), when the collection has them.
   */
  recentTables: readonly [string, string] | null;
  recentField: string | null;
  /** Fields with a column of their own holding the value (usable by indexes): the indexed fields that are not text fields. */
  columnFields: ReadonlySet<string>;
  /** Fields with a search column: their value folded (sqlite-text-fold.ts), for `$contains`. */
  searchFields: ReadonlySet<string>;
  /** The fields the text indexes cover (their search columns), in the order of their FTS5 columns. */
  textFields: ReadonlySet<string>;
  /** Views kept rendered in a column each (see sqlite-views.ts): name → fields. */
  views: ReadonlyMap<string, readonly string[]>;
}

export interface Sql {
  sql: string;
  params: unknown[];
}

/** FTS5's trigram tokenizer indexes every run of three characters; shorter needles cannot use it. */
const TRIGRAM_LENGTH = 3;

export const tableName = (collection: string): string => `rm_${collection}`;
export const ftsTableName = (collection: string): string => `rm_${collection}_fts`;
export const ftsQueueName = (collection: string): string => `rm_${collection}_fts_queue`;
export const gramsTableName = (collection: string): string => `rm_${collection}_grams`;
export const recentTableNames = (collection: string): [string, string] => [`rm_${collection}_recent_older`, `rm_${collection}_recent_newer`];
/** The collection a layout is of, as its table's name is made from it (tableName). */
export const collectionOf = (layout: Pick<CollectionLayout, 'table'>): string => layout.table.slice(tableName('').length);

/** A trigram table's columns, one per text field in this order: for its definition and the inserts that fill it. */
export const trigramColumnsSql = (textFields: Iterable<string>): string => [...textFields].map((f) => quote(ftsColumn(f))).join(', ');

/**
 * A trigram index of the text fields, keyed by row id: contentless (the documents already hold the
 * text; the index only has to find row ids). The full index and the recent one share it, so a
 * needle finds the same rows in both.
 */
export const trigramTableSql = (table: string, textFields: readonly string[]): string =>
  `CREATE VIRTUAL TABLE ${quote(table)} USING fts5(${trigramColumnsSql(textFields)}, ` +
  `content='', contentless_delete=1, tokenize='trigram case_sensitive 0')`;
/** The column of an indexed field: its value as json_extract gives it (see sqlite-columns.ts). */
export const fieldColumn = (field: string): string => `f_${field}`;
/** The column of a text field: its folded text, NULL for a value that is not text (see sqlite-text-fold.ts). */
export const searchColumn = (field: string): string => `s_${field}`;
export const ftsColumn = (field: string): string => `t_${field}`;
/** The column holding a view of the document, rendered as JSON. */
export const viewColumn = (view: string): string => `v_${view}`;
export const jsonPath = (field: string): string => `'$.${field}'`;
export const quote = (identifier: string): string => `"${identifier}"`;

/** The SQL expression for a field's value; fields with a column are read from it, not from the JSON. */
export function valueOf(layout: CollectionLayout, field: string): string {
  if (field === '_id') return 'id';
  if (layout.columnFields.has(field)) return quote(fieldColumn(field));
  return `json_extract(doc, ${jsonPath(field)})`;
}

/** better-sqlite3 binds no booleans; JSON true/false read back as 1/0. */
function param(value: Scalar): unknown {
  return typeof value === 'boolean' ? Number(value) : value;
}

export type ContainsClause = Extract<Clause, { op: 'contains' }>;

/** Whether a text index can answer this clause: trigrams, or (1–2 characters) the grams table. */
function searchesTextIndex(layout: CollectionLayout, clause: Clause): clause is ContainsClause {
  if (clause.op !== 'contains' || layout.ftsTable === null || !layout.textFields.has(clause.field)) return false;
  return [...clause.text].length >= TRIGRAM_LENGTH || (layout.gramsTable !== null && isShortNeedle(clause.text));
}

/**
 * How a query asks the text indexes. `partsOf`: for the needles that drive a search (one, or
 * several intersected), what to ask the trigram index for of each, as phrases whose lists FTS5
 * intersects (by default each whole needle). `hitsOf`: how many rows the trigram index names for a
 * needle of 3+ characters, counted up to LONG_LIST; a store that can tell intersects needles that
 * are all common (see rarestOrAll), one that cannot asks for the longest needle alone.
 */
export interface TextPlan {
  partsOf: (layout: CollectionLayout, needles: readonly ContainsClause[]) => ReadonlyArray<readonly string[]>;
  hitsOf?: (layout: CollectionLayout, needle: ContainsClause) => number;
}
const wholeNeedles: TextPlan = { partsOf: (_layout, needles) => needles.map(({ text }) => [text]) };

/**
 * Row ids that may hold every one of the needles (all of 3+ characters, or a single short one),
 * plus rows queued for re-indexing. Several needles are one FTS5 query (`col : "…" AND col : "…"`)
 * whose answer is the intersection of their lists. `trigrams`: the trigram tables asked (the full
 * one, or the recent index's two generations, whose answers are united).
 */
function hitsSql(layout: CollectionLayout, needles: readonly ContainsClause[], as: string, plan: TextPlan, trigrams: readonly string[] = [layout.ftsTable!]): Sql {
  const queued = `UNION SELECT rid FROM ${quote(layout.ftsQueue!)}`;
  const [first] = needles;
  if ([...first.text].length < TRIGRAM_LENGTH) {
    const fieldIndex = [...layout.textFields].indexOf(first.field);
    return {
      sql: `SELECT rowid AS ${as} FROM ${quote(layout.gramsTable!)} WHERE ${quote(layout.gramsTable!)} MATCH ? ${queued}`,
      params: [ftsPhrase(gramToken(fieldIndex, first.text))],
    };
  }
  const parts = plan.partsOf(layout, needles);
  const phrases = needles.flatMap(({ field }, i) => parts[i].map((part) => `${ftsColumn(field)} : ${trigramPhrase(part)}`)).join(' AND ');
  const matches = trigrams.map((table) => `SELECT rowid AS ${as} FROM ${quote(table)} WHERE ${quote(table)} MATCH ?`);
  return { sql: `${matches.join(' UNION ')} ${queued}`, params: trigrams.map(() => phrases) };
}

/**
 * The needles folded (sqlite-text-fold.ts), as every query of the store takes them: the search
 * columns and the text indexes hold folded text.
 */
export function foldNeedles(clauses: readonly Clause[]): Clause[] {
  return clauses.map((clause) => (clause.op === 'contains' ? { ...clause, text: foldText(clause.text) } : clause));
}

/**
 * `narrowed`: the query's rows already come from the text index (this clause drives it). The
 * substring test is the definition; the text indexes only narrow. A field without a search column
 * is folded row by row. Never true of NULL, so never of a value that is not text.
 */
function containsSql(layout: CollectionLayout, clause: ContainsClause, narrowed: boolean): Sql {
  const { field, text } = clause;
  const folded = layout.searchFields.has(field) ? quote(searchColumn(field)) : `${FOLD_FUNCTION}(${valueOf(layout, field)})`;
  const substring = { sql: `instr(${folded}, ?) > 0`, params: [text] };
  if (narrowed || !searchesTextIndex(layout, clause)) return { sql: `(${substring.sql})`, params: substring.params };
  const rows = hitsSql(layout, [clause], 'rid', wholeNeedles);
  return {
    sql: `(${quote(layout.table)}.rid IN (${rows.sql}) AND ${substring.sql})`,
    params: [...rows.params, ...substring.params],
  };
}

function clauseSql(layout: CollectionLayout, clause: Clause, narrowed = false): Sql {
  const value = valueOf(layout, clause.field);
  switch (clause.op) {
    case 'eq':
      return clause.value === null
        ? { sql: `${value} IS NULL`, params: [] }
        : { sql: `${value} = ?`, params: [param(clause.value)] };
    case 'ne':
      return clause.value === null
        ? { sql: `${value} IS NOT NULL`, params: [] }
        : { sql: `${value} IS NOT ?`, params: [param(clause.value)] };
    case 'in': {
      const present = clause.values.filter((v) => v !== null);
      const parts: string[] = [];
      if (present.length > 0) parts.push(`${value} IN (${present.map(() => '?').join(', ')})`);
      if (present.length < clause.values.length) parts.push(`${value} IS NULL`);
      return { sql: parts.length > 0 ? `(${parts.join(' OR ')})` : '0', params: present.map(param) };
    }
    case 'gte':
    case 'lt': {
      const comparison = clause.op === 'gte' ? '>=' : '<';
      const type = typeof clause.value === 'string' ? `= 'text'` : `IN ('integer', 'real')`;
      return { sql: `(${value} ${comparison} ? AND typeof(${value}) ${type})`, params: [clause.value] };
    }
    case 'contains':
      return containsSql(layout, clause, narrowed);
  }
}

function conditions(parts: Sql[]): Sql {
  if (parts.length === 0) return { sql: '', params: [] };
  return { sql: ` WHERE ${parts.map((p) => p.sql).join(' AND ')}`, params: parts.flatMap((p) => p.params) };
}

/** The WHERE clause over the collection's table alone (for UPDATE). */
export function whereSql(layout: CollectionLayout, clauses: readonly Clause[]): Sql {
  return conditions(clauses.map((clause) => clauseSql(layout, clause)));
}

/**
 * FROM and WHERE of a query. A text search, when there is one, drives it: CROSS JOIN fixes
 * SQLite's join order, so the candidate rows are fetched by row id. Left to itself, the planner
 * would rather walk an equality index (a tenant's every row) and test each against the hits.
 * `textIndex: false` is the other plan, for a page of a needle that many rows hold: walk the rows
 * in the index's order, testing each, until the page is full (see SqliteView.prefersTextIndex).
 */
function source(layout: CollectionLayout, clauses: readonly Clause[], textIndex: boolean, plan: TextPlan, trigrams?: readonly string[]): { from: Sql; where: Sql } {
  const table = quote(layout.table);
  // Needles are tested on the rows: the text index only narrows; and a walk reads no text index.
  const where = conditions(clauses.map((clause) => clauseSql(layout, clause, true)));
  const drivers = textIndex ? drivingNeedles(layout, clauses, plan) : [];
  if (drivers.length === 0) return { from: { sql: table, params: [] }, where };
  const hits = hitsSql(layout, drivers, 'hit', plan, trigrams);
  return { from: { sql: `(${hits.sql}) AS hits CROSS JOIN ${table} ON ${table}.rid = hits.hit`, params: hits.params }, where };
}

/** Whether these driving needles are looked up in the trigram index (not one short needle in the grams index). */
export function drivesTrigrams(drivers: readonly ContainsClause[]): boolean {
  return drivers.length > 0 && drivers.every(({ text }) => [...text].length >= TRIGRAM_LENGTH);
}

/** The longest of the needles, as a longer needle is held by fewer rows. */
function longestNeedle(clauses: readonly ContainsClause[]): ContainsClause | undefined {
  const length = (clause: ContainsClause) => [...clause.text].length;
  return clauses.reduce<ContainsClause | undefined>((best, clause) => (best === undefined || length(clause) > length(best) ? clause : best), undefined);
}

/**
 * The needles whose text index drives a text search (empty when no index can answer one): with
 * several of 3+ characters and a plan that counts hits, the rarest if it is rare, else all of
 * them (see rarestOrAll); otherwise the longest. Other needles are only tested on the rows: asking
 * the grams index too would list every row holding a short needle, to keep a few.
 */
export function drivingNeedles(layout: CollectionLayout, clauses: readonly Clause[], plan: TextPlan = wholeNeedles): ContainsClause[] {
  const indexed = clauses.filter((clause): clause is ContainsClause => searchesTextIndex(layout, clause));
  const long = indexed.filter((clause) => [...clause.text].length >= TRIGRAM_LENGTH);
  const { hitsOf } = plan;
  if (hitsOf && long.length > 1) return rarestOrAll(long, (needle) => hitsOf(layout, needle));
  const longest = longestNeedle(indexed);
  return longest ? [longest] : [];
}

/** A page query, and when it has one the same page read in a single pass (see findSql). */
export interface PageSql extends Sql {
  direct?: Sql;
}

/**
 * A page's limit and offset, as values SQLite reads when the statement runs. With a bare `LIMIT ?`
 * SQLite 3.51 may plan with the bound value, so every new binding expires the statement and its
 * next run prepares it again (14–110 µs for the bench's searches, docs/performance.md, sessions 12
 * and 13, where plans and answers were checked the same both ways at 10k and 1M).
 */
const PAGE_BOUNDS = 'LIMIT +? OFFSET +?';

/**
 * A page's row ids first, then their documents: SQLite would otherwise carry every candidate's
 * whole document through the sort (and through the skipped rows), where a row id is enough.
 * `direct` reads the page in one pass; it is cheaper when the order comes straight off an index
 * (no sort, and skipped entries never read their row), which only SQLite's plan can tell.
 */
export function findSql(
  layout: CollectionLayout,
  clauses: readonly Clause[],
  find: NormalizedFind,
  textIndex = true,
  select = 'doc',
  plan = wholeNeedles,
): PageSql {
  const { from, where } = source(layout, clauses, textIndex, plan);
  const table = quote(layout.table);
  const order = orderSql(layout, find);
  // Every match wanted (a lookup, not a page): nothing to skip, so the documents come directly.
  if (find.limit === null && find.skip === 0) {
    return { sql: `SELECT ${select} FROM ${from.sql}${where.sql} ORDER BY ${order}`, params: [...from.params, ...where.params] };
  }
  const params = [...from.params, ...where.params, find.limit ?? -1, find.skip];
  const page = `SELECT ${table}.rid FROM ${from.sql}${where.sql} ORDER BY ${order} ${PAGE_BOUNDS}`;
  return {
    sql: `SELECT ${select} FROM ${table} WHERE rid IN (${page}) ORDER BY ${order}`,
    params,
    direct: { sql: `SELECT ${select} FROM ${from.sql}${where.sql} ORDER BY ${order} ${PAGE_BOUNDS}`, params },
  };
}

export function countSql(layout: CollectionLayout, clauses: readonly Clause[], plan = wholeNeedles): Sql {
  const { from, where } = source(layout, clauses, true, plan);
  return { sql: `SELECT count(*) FROM ${from.sql}${where.sql}`, params: [...from.params, ...where.params] };
}

/**
 * The first `skip + limit` rows of a text search sorted newest first by the recent field, among the
 * rows at or after the recent index's bound `since`, found through both its generations and the
 * text queue, its needles driving as `findSql`'s do. When that many come back, they are the page's
 * rows and those before it: every row at or after `since` is a candidate here, and every other row
 * sorts after them (see sqlite-recent-index.ts). The bound is read by the same statement, so from
 * the same snapshot as the generations (a rotation moves it and drops a generation at once).
 */
export function recentPageSql(layout: CollectionLayout, collection: string, clauses: readonly Clause[], find: NormalizedFind, select: string, plan = wholeNeedles): Sql {
  const { from } = source(layout, clauses, true, plan, layout.recentTables!);
  const tests = clauses.map((clause) => clauseSql(layout, clause, true));
  tests.push({ sql: `${valueOf(layout, layout.recentField!)} >= (SELECT since FROM read_model_recent WHERE collection = ?)`, params: [collection] });
  const where = conditions(tests);
  const table = quote(layout.table);
  const order = orderSql(layout, find);
  // Row ids through the sort, then their documents, as findSql does.
  const page = `SELECT ${table}.rid FROM ${from.sql}${where.sql} ORDER BY ${order} LIMIT +?`;
  return { sql: `SELECT ${select} FROM ${table} WHERE rid IN (${page}) ORDER BY ${order}`, params: [...from.params, ...where.params, find.skip + find.limit!] };
}

function orderSql(layout: CollectionLayout, find: NormalizedFind): string {
  return find.sort.map(([field, dir]) => `${valueOf(layout, field)} ${dir === 1 ? 'ASC' : 'DESC'}`).join(', ');
}

/** Strings and null bind as SQL values; every other value goes in as JSON text through json(?). */
export const bindsDirectly = (value: unknown): boolean => value === null || typeof value === 'string';

/**
 * `json_set(doc, …)` replacing each field with a JSON value (nested objects replace, never merge).
 * Strings and null bind as they are; everything else goes through JSON text, which keeps numbers
 * exactly as JavaScript wrote them (SQLite would re-render a bound double with 15 digits).
 */
export function setDocSql(entries: ReadonlyArray<readonly [string, unknown]>): Sql {
  return {
    sql: `json_set(doc, ${entries.map(([field, value]) => `${jsonPath(field)}, ${bindsDirectly(value) ? '?' : 'json(?)'}`).join(', ')})`,
    params: entries.map(([, value]) => (bindsDirectly(value) ? value : JSON.stringify(value))),
  };
}
