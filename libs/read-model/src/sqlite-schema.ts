/**
 * DDL of the SQLite read store: one table per collection, a column per indexed or text field,
 * the declared compound indexes, and FTS5 tables over the text fields. The schema itself is the
 * record of what exists: layouts are read back from it.
 *
 * The field columns hold what `json_extract(doc, '$.Field')` would give, and a text field's
 * search column its folded text (sqlite-text-fold.ts); the store writes them with the document
 * (sqlite-columns.ts). A declared index that names a text field holds its search column. Plain
 * columns rather than generated ones: a generated column depends on the whole document, so any
 * change of a document, say a retitled event shown on 40 rows, rewrote every index entry of those
 * rows; a plain column only when its value changes.
 *
 * Keeping the FTS table in sync: triggers on the collection's table put the row id of every
 * inserted, deleted or re-texted document into a queue table, whoever writes (the store, or a
 * tool copying rows); the queue is drained into the FTS table in bulk (see sqlite-text-index.ts),
 * and until then queries treat queued rows as candidates. Triggers writing the FTS table directly
 * would be several times slower: FTS5 writes its pending index data out at every statement
 * savepoint, and a trigger makes SQLite open one per row.
 */
import type Database from 'better-sqlite3';
import { assertCollectionName, type Clause } from './normalized-query.js';
import { CollectionMissingError, type CollectionSpec, indexField } from './read-store.js';
import { GRAMS_FUNCTION } from './sqlite-grams.js';
import { FOLD_FUNCTION } from './sqlite-text-fold.js';
import { ensureViews, readViews } from './sqlite-views.js';
import type { Connection } from './sqlite-connection.js';
import { buildRecentIndex, createEmptyRecentIndex, dropRecentIndex, isWorthARecentIndex, readRecentBound, recentOrderIndexName, type RecentOptions } from './sqlite-recent-index.js';
import {
  type CollectionLayout,
  ftsColumn,
  ftsQueueName,
  ftsTableName,
  fieldColumn,
  gramsTableName,
  jsonPath,
  quote,
  recentTableNames,
  searchColumn,
  tableName,
  trigramColumnsSql,
  trigramTableSql,
} from './sqlite-query.js';

export const CHECKPOINTS_DDL =
  'CREATE TABLE IF NOT EXISTS projection_checkpoints (projection TEXT PRIMARY KEY, position TEXT NOT NULL)';

/**
 * Appends every row of a collection's table in the attached database `from` (a rebuild's fresh
 * file or one of its partitions, same layout) to the main database's table, in `from`'s row order:
 * the document, its field columns and views; row ids are the main table's own. Into an empty table
 * with the same plain columns in the same order, rows keep their ids and SQLite copies each record
 * whole with its index entries (its transfer optimisation) instead of decoding and encoding it: at
 * 1,000,000 registrations, 1,017,994 roster entries in 0.7 s (session 29).
 */
export function copyCollectionRows(db: Database.Database, from: string, collection: string): void {
  const table = quote(tableName(collection));
  const columnsIn = (schema: string) =>
    db.prepare<[string, string], { name: string; hidden: number }>('SELECT name, hidden FROM pragma_table_xinfo(?, ?)').all(tableName(collection), schema);
  const theirs = columnsIn(from);
  const sameColumns = JSON.stringify(columnsIn('main')) === JSON.stringify(theirs) && theirs.every((column) => column.hidden === 0);
  if (sameColumns && db.prepare(`SELECT 1 FROM main.${table} LIMIT 1`).get() === undefined) {
    db.exec(`INSERT INTO main.${table} SELECT * FROM ${quote(from)}.${table}`);
    return;
  }
  const columns = theirs
    .filter((column) => column.hidden === 0 && column.name !== 'rid')
    .map((column) => quote(column.name))
    .join(', ');
  db.exec(`INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM ${quote(from)}.${table} ORDER BY rid`);
}

/** Takes the checkpoints of `projections` from the attached database `from`; those it holds none of. */
export function copyCheckpoints(db: Database.Database, from: string, projections: readonly string[]): string[] {
  const take = db.prepare(
    `INSERT INTO main.projection_checkpoints (projection, position) SELECT projection, position FROM ${quote(from)}.projection_checkpoints ` +
      'WHERE projection = ? ON CONFLICT (projection) DO UPDATE SET position = excluded.position',
  );
  return projections.filter((projection) => take.run(projection).changes === 0);
}

/** The shadow tables of the contentless FTS5 tables rebuildFts makes, by suffix. */
export const FTS_SHADOW_TABLES = ['config', 'data', 'docsize', 'idx'] as const;

/**
 * Puts the collection of the attached database `from` (another read store of the same spec, its
 * indexes built: the live store, when a rebuild of other projections copies it into its new
 * generation) in place of the main database's, inside the caller's transaction, adopting `from`'s
 * indexes instead of building them again: the main table and its text tables are dropped and made
 * again, empty, with every index; the rows are then copied with the entries of each index, all in
 * their order (appends), and the text indexes' FTS5 tables as they are. Building the indexes after
 * the copy instead scanned the whole table again per index (at 1,000,000 registrations 18–20 s per
 * B-tree index, 34 s the trigrams, 51 s the grams). The connection must have the grams function
 * (registerGramsFunction), and write FTS5's shadow tables by their SQL names, which SQLite's
 * defensive mode forbids (better-sqlite3's `unsafeMode`).
 */
export function replaceCollection(db: Database.Database, from: string, spec: CollectionSpec): void {
  // Qualified: while main lacks a table, an unqualified name would find `from`'s.
  for (const name of [tableName(spec.name), ftsTableName(spec.name), gramsTableName(spec.name), ...recentTableNames(spec.name), ftsQueueName(spec.name)]) {
    db.exec(`DROP TABLE IF EXISTS main.${quote(name)}`);
  }
  db.prepare('DELETE FROM main.read_model_views WHERE collection = ?').run(spec.name);
  // Every index, the text tables empty; without the queue's triggers until the copy is done: a
  // trigger makes SQLite copy row by row.
  ensureCollectionSchema(db, spec);
  for (const suffix of TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS main.${triggerName(spec.name, suffix)}`);
  const textFields = [...new Set(spec.textFields ?? [])];
  // The recent index as `from` has it (the empty table here is too small for one), made empty
  // before the rows are copied, so its order index is copied with them.
  const recentField = recentFieldOf(spec);
  const recent = recentField !== null && readRecentBound(db, spec.name, from) !== null ? recentField : null;
  if (recent !== null) createEmptyRecentIndex(db, spec.name, recent, textFields);
  copyTable(db, from, tableName(spec.name));
  if (textFields.length > 0) {
    for (const fts of [ftsTableName(spec.name), gramsTableName(spec.name), ...(recent ? recentTableNames(spec.name) : [])]) {
      for (const suffix of FTS_SHADOW_TABLES) {
        const shadow = `${fts}_${suffix}`;
        db.exec(`DELETE FROM main.${quote(shadow)}`);
        copyTable(db, from, shadow);
      }
    }
    // The recent index's bounds as `from` has them, with the rows copied.
    if (recent) db.prepare(`INSERT OR REPLACE INTO main.read_model_recent SELECT * FROM ${quote(from)}.read_model_recent WHERE collection = ?`).run(spec.name);
    // Rows a catch-up batch left queued in `from` (its text indexes do not hold them yet) stay queued.
    copyTable(db, from, ftsQueueName(spec.name));
    for (const trigger of queueTriggers(spec.name, textFields, recent)) db.exec(trigger);
  }
}

/**
 * Appends the rows of the attached database `from`'s table to main's (empty, the same columns, each
 * of its indexes in `from` too). With the columns in the same order, `SELECT *` lets SQLite copy
 * each row's record as it is and each index's entries in their order (its transfer optimization),
 * instead of decoding, encoding and inserting them one by one. A store migrated in place can hold
 * them in another order (a text field's column renamed where it stood): its rows are copied by
 * column name, one by one. OR FAIL: an error stops the statement, and the caller rolls the whole
 * transaction back anyway; with the default (ABORT) SQLite first saved every page the copy
 * overwrote in a statement journal, and most are pages the DROP freed (at 10,000 registrations 60
 * MB more memory).
 */
function copyTable(db: Database.Database, from: string, table: string): void {
  const columns = (schema: string) =>
    db.prepare('SELECT name FROM pragma_table_xinfo(?, ?) WHERE hidden = 0').pluck().all(table, schema) as string[];
  const source = columns(from);
  const target = columns('main');
  if (source.length === 0) throw new Error(`${from} lacks table ${table} (its indexes must be built before it is copied)`);
  if ([...source].sort().join() !== [...target].sort().join()) throw new Error(`${from}'s table ${table} has other columns than the one it replaces`);
  const byName = target.map(quote).join(', ');
  const copy = source.join() === target.join() ? 'SELECT *' : `(${byName}) SELECT ${byName}`;
  db.exec(`INSERT OR FAIL INTO main.${quote(table)} ${copy} FROM ${quote(from)}.${quote(table)}`);
}

export function readCheckpoint(connection: Connection, projection: string): bigint | null {
  const position = connection
    .statement('SELECT position FROM projection_checkpoints WHERE projection = ?')
    .pluck()
    .get(projection) as string | undefined;
  return position === undefined ? null : BigInt(position);
}

/** The layouts of the collections a connection has used, each read from its schema once. */
export class LayoutCache {
  private readonly layouts = new Map<string, CollectionLayout>();

  /** `missingHint`: what the caller must do first when a collection does not exist. */
  constructor(
    private readonly db: Database.Database,
    private readonly missingHint: string,
  ) {}

  readonly of = (collection: string): CollectionLayout => {
    let layout = this.layouts.get(collection);
    if (!layout) {
      assertCollectionName(collection);
      const found = readLayout(this.db, collection);
      if (!found) throw CollectionMissingError.of(collection, this.missingHint);
      layout = found;
      this.layouts.set(collection, layout);
    }
    return layout;
  };

  /** The layouts read so far. */
  read(): IterableIterator<CollectionLayout> {
    return this.layouts.values();
  }

  /** Reads this collection's layout (or every one) again when next asked: its schema changed. */
  forget(collection?: string): void {
    if (collection === undefined) this.layouts.clear();
    else this.layouts.delete(collection);
  }
}

/** pragma table_xinfo marks virtual generated columns with hidden = 2 (older layouts used them). */
const VIRTUAL_GENERATED = 2;

function columnNames(db: Database.Database, table: string): Array<{ name: string; hidden: number }> {
  // In main: a connection may have another read store attached (the rebuild's switch-over).
  return db.prepare(`SELECT name, hidden FROM pragma_table_xinfo(?, 'main')`).all(table) as Array<{
    name: string;
    hidden: number;
  }>;
}

function withPrefix(names: readonly string[], prefix: string): string[] {
  return names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
}

export function readLayout(db: Database.Database, collection: string): CollectionLayout | null {
  const table = tableName(collection);
  const columns = columnNames(db, table);
  if (columns.length === 0) return null;
  // Only plain columns: the store writes them (a generated one of an older layout it cannot).
  const fieldColumns = columns.filter((c) => c.hidden === 0).map((c) => c.name);
  const textFields = withPrefix(
    columnNames(db, ftsTableName(collection)).map((c) => c.name),
    ftsColumn(''),
  );
  const searchable = textFields.length > 0;
  const hasGrams = columnNames(db, gramsTableName(collection)).length > 0;
  const recent = searchable && recentTableNames(collection).every((name) => columnNames(db, name).length > 0) ? readRecentBound(db, collection) : null;
  return {
    table,
    ftsTable: searchable ? ftsTableName(collection) : null,
    ftsQueue: searchable ? ftsQueueName(collection) : null,
    gramsTable: searchable && hasGrams ? gramsTableName(collection) : null,
    recentTables: recent ? recentTableNames(collection) : null,
    recentField: recent?.field ?? null,
    columnFields: new Set(withPrefix(fieldColumns, fieldColumn(''))),
    searchFields: new Set(withPrefix(fieldColumns, searchColumn(''))),
    textFields: new Set(textFields),
    views: readViews(db, collection, new Set(fieldColumns)),
  };
}

/**
 * What the text indexes take in of a text field: its search column (folded text, NULL when the
 * value is not text), the same value a `$contains` test reads.
 */
export function textOf(field: string, row = ''): string {
  return row ? `${row}.${quote(searchColumn(field))}` : quote(searchColumn(field));
}

const TRIGGERS = ['ai', 'au', 'ad', 'ar'] as const;

/**
 * Runs `work` on `table` with its triggers dropped, then makes them again as they were (inside the
 * caller's transaction). A statement that fires a trigger visits the table row by row, and keeps a
 * copy of every page it changes in its statement journal, in memory here (temp_store = MEMORY):
 * emptying 1,000,000 registrations with the text queue's delete trigger took 37 s and 1 GB.
 */
export function withoutTriggers(db: Database.Database, table: string, work: () => void): void {
  const triggers = db.prepare(`SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = ?`).all(table) as Array<{ name: string; sql: string }>;
  for (const trigger of triggers) db.exec(`DROP TRIGGER main.${quote(trigger.name)}`);
  work();
  for (const trigger of triggers) db.exec(trigger.sql);
}

/** A text queue's rows: `indexed`, whether the full text indexes held the row when it was queued; `text`, see queueTriggers. */
const QUEUE_COLUMNS = 'rid INTEGER PRIMARY KEY, indexed INTEGER NOT NULL, text INTEGER NOT NULL DEFAULT 1';
const triggerName = (collection: string, suffix: (typeof TRIGGERS)[number]) => quote(`${ftsTableName(collection)}_${suffix}`);

/**
 * `indexed` says whether the FTS table held the row when it was queued. Only a row's first entry
 * counts (that is what the FTS table still reflects until the queue is drained). Not INSERT OR
 * IGNORE: the conflict policy of the statement firing the trigger (an upsert's) would override it.
 */
function queueTriggers(collection: string, fields: readonly string[], recentField: string | null): string[] {
  const table = quote(tableName(collection));
  const queue = quote(ftsQueueName(collection));
  // `text` 0: only the recent index needs the row (it moved past the bound); a change of text
  // (or an insert, or a delete) makes it 1, whatever queued the row first.
  const enqueue = (row: 'new' | 'old', indexed: 0 | 1, text: 0 | 1 = 1) =>
    `INSERT INTO ${queue} (rid, indexed, text) SELECT ${row}.rid, ${indexed}, ${text} ` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${queue} WHERE rid = ${row}.rid);` +
    (text === 1 ? ` UPDATE ${queue} SET text = 1 WHERE rid = ${row}.rid AND text = 0;` : '');
  // Most updates (patches of other fields) leave the text alone and need no re-indexing: the store
  // sets a search column only when its value changes, so such an UPDATE does not even fire this
  // trigger (one watching the document ran on every update, parsing it twice per text field).
  const columns = fields.map((f) => quote(searchColumn(f)));
  const textChanged = columns.map((c) => `old.${c} IS NOT new.${c}`).join(' OR ');
  const triggers = [
    `CREATE TRIGGER ${triggerName(collection, 'ai')} AFTER INSERT ON ${table} BEGIN ${enqueue('new', 0)} END`,
    `CREATE TRIGGER ${triggerName(collection, 'au')} AFTER UPDATE OF ${columns.join(', ')} ON ${table} WHEN ${textChanged} BEGIN ${enqueue('new', 1)} END`,
    `CREATE TRIGGER ${triggerName(collection, 'ad')} AFTER DELETE ON ${table} BEGIN ${enqueue('old', 1)} END`,
  ];
  if (recentField !== null) {
    // A row whose field moves into the recent index's range from below its split, where the newer
    // generation may not hold it, must enter that generation (see sqlite-recent-index.ts).
    const value = quote(fieldColumn(recentField));
    const bound = (column: string) => `(SELECT ${column} FROM read_model_recent WHERE collection = '${collection}')`;
    const entered = `(${bound('since')} IS NULL OR new.${value} >= ${bound('since')}) AND coalesce(old.${value} >= ${bound('split')}, ${bound('split')} IS NULL) = 0`;
    triggers.push(`CREATE TRIGGER ${triggerName(collection, 'ar')} AFTER UPDATE OF ${value} ON ${table} WHEN ${entered} BEGIN ${enqueue('new', 1, 0)} END`);
  }
  return triggers;
}

/** The field a collection's recent index follows, when it has one (see sqlite-recent-index.ts). */
function recentFieldOf(spec: CollectionSpec): string | null {
  return (spec.textFields ?? []).length > 0 ? (spec.recentBy ?? null) : null;
}

/**
 * Creates the text indexes (trigrams, grams) and their queue afresh, indexing the documents
 * already there unless `fill` is false (a rebuild's index build fills them on another thread,
 * sqlite-text-index-build.ts). The connection must have the grams function (registerGramsFunction).
 */
function rebuildFts(db: Database.Database, collection: string, fields: readonly string[], fill: boolean): void {
  db.exec(`DROP TABLE IF EXISTS main.${quote(ftsTableName(collection))}`);
  db.exec(`DROP TABLE IF EXISTS main.${quote(gramsTableName(collection))}`);
  db.exec(`DROP TABLE IF EXISTS main.${quote(ftsQueueName(collection))}`);
  if (fields.length === 0) return;
  createTextIndexes(db, collection, fields);
  db.exec(`CREATE TABLE ${quote(ftsQueueName(collection))} (${QUEUE_COLUMNS})`);
  // In row id order: FTS5 takes ascending row ids in bulk, and SQLite would otherwise read the
  // text columns off the search index, in its order (measured: 4 times slower at 10,000 rows).
  if (fill) fillTextIndexes(db, collection, fields, fields.map((f) => textOf(f)).join(', '), `FROM ${quote(tableName(collection))} ORDER BY rid`);
}

/** Creates a collection's text indexes (trigrams, grams) for its text `fields`, empty. */
export function createTextIndexes(db: Database.Database, collection: string, fields: readonly string[]): void {
  db.exec(trigramTableSql(ftsTableName(collection), fields));
  // detail=none: the index only has to say which rows hold a token.
  db.exec(`CREATE VIRTUAL TABLE ${quote(gramsTableName(collection))} USING fts5(grams, content='', contentless_delete=1, detail=none)`);
}

/**
 * Fills a collection's empty text indexes, each in one statement: `texts`, the values of its text
 * `fields` (SQL, in that order), of each row `rows` gives (a FROM clause with `rid`, in row id order).
 */
export function fillTextIndexes(db: Database.Database, collection: string, fields: readonly string[], texts: string, rows: string): void {
  const fts = quote(ftsTableName(collection));
  fillInBulk(db, fts, `INSERT INTO ${fts} (rowid, ${trigramColumnsSql(fields)}) SELECT rid, ${texts} ${rows}`);
  const grams = quote(gramsTableName(collection));
  fillInBulk(db, grams, `INSERT INTO ${grams} (rowid, grams) SELECT rid, ${GRAMS_FUNCTION}(${texts}) ${rows}`);
}

/** FTS5's default `hashsize`: the pending index data it holds in memory before writing a segment. */
export const FTS_HASH_BYTES = 1024 * 1024;
/**
 * A bulk fill's `hashsize`. With the default, a fill writes a segment per MiB and keeps merging
 * them as it goes: at 100,000 registrations that merging was about a quarter of the two fills' CPU
 * (grams 2.6 → 1.8–2.3 s, trigrams 1.1 → 0.6–0.8 s), and the fills ended with 7 and 10
 * segments instead of one. Only for the fill: a live store keeps the default.
 */
const FILL_HASH_BYTES = 64 * 1024 * 1024;

/** FTS5's default `automerge`: a level's segments are merged once it holds this many. */
export const FTS_AUTOMERGE = 4;

/**
 * Runs `insert` (one statement filling the FTS5 table `fts`, quoted) with `hashBytes` and without
 * automatic merges (a merge begun during the fill, which a 1M fill's fourth segment starts, would
 * hold its segments where later writes merge them whole), then merges what it wrote into one
 * segment, for fts5-structure.ts to place on its level. A query reads each segment a term is in:
 * at 1M, Email + Name cost 23–25 ms of CPU on the fill's four trigram segments (and the live
 * ones beside them), 9–12 ms on one. The merge took 5.6 s there.
 */
export function fillInBulk(db: Database.Database, fts: string, insert: string, hashBytes = FILL_HASH_BYTES): void {
  const set = (option: string, value: number) => db.exec(`INSERT INTO ${fts} (${fts}, rank) VALUES ('${option}', ${value})`);
  set('hashsize', hashBytes);
  set('automerge', 0);
  db.exec(insert);
  db.exec(`INSERT INTO ${fts} (${fts}) VALUES ('optimize')`);
  set('hashsize', FTS_HASH_BYTES);
  set('automerge', FTS_AUTOMERGE);
}

/**
 * Creates one of a collection's declared indexes unless it exists with the same columns (one of an
 * older layout, on a text field's value before search columns, is made again); its name.
 */
export function createDeclaredIndex(db: Database.Database, spec: CollectionSpec, fields: readonly string[]): string {
  const textFields = new Set(spec.textFields ?? []);
  const columns = fields.map((declaredField) => {
    const { field, descending } = indexField(declaredField);
    return { name: field === '_id' ? 'id' : textFields.has(field) ? searchColumn(field) : fieldColumn(field), descending };
  });
  const name = `${tableName(spec.name)}_ix(${fields.join(',')})`;
  const existing = columnsOfIndex(db, name);
  if (existing.length > 0 && existing.join() !== columns.map((c) => c.name).join()) db.exec(`DROP INDEX main.${quote(name)}`);
  const list = columns.map((c) => `${quote(c.name)}${c.descending ? ' DESC' : ''}`).join(', ');
  db.exec(`CREATE INDEX IF NOT EXISTS ${quote(name)} ON ${quote(tableName(spec.name))} (${list})`);
  return name;
}

/**
 * Of the declared indexes, the one that narrows a filter most: the longest run of leading fields
 * the filter holds to one value or a list (first declared on a tie); null when none leads with one.
 */
export function indexServing(spec: CollectionSpec, clauses: readonly Clause[]): readonly string[] | null {
  const pinned = new Set(clauses.filter((clause) => clause.op === 'eq' || clause.op === 'in').map((clause) => clause.field));
  let best: readonly string[] | null = null;
  let bestRun = 0;
  for (const fields of spec.indexes) {
    let run = 0;
    while (run < fields.length && pinned.has(indexField(fields[run]).field)) run++;
    if (run > bestRun) [best, bestRun] = [fields, run];
  }
  return best;
}

/** Drops the collection's declared indexes, except those named in `keep`. */
function dropIndexesOf(db: Database.Database, collection: string, keep: ReadonlySet<string> = new Set()): void {
  for (const name of declaredIndexesOf(db, collection)) if (!keep.has(name)) db.exec(`DROP INDEX ${quote(name)}`);
}

/** Drops the collection's declared indexes that hold any of `columns`. */
function dropIndexesHolding(db: Database.Database, collection: string, columns: ReadonlySet<string>): void {
  for (const name of declaredIndexesOf(db, collection)) {
    if (columnsOfIndex(db, name).some((column) => columns.has(column))) db.exec(`DROP INDEX ${quote(name)}`);
  }
}

/** The names of the collection's declared indexes (those CREATE INDEX made, not UNIQUE's). */
function declaredIndexesOf(db: Database.Database, collection: string): string[] {
  return db.prepare(`SELECT name FROM pragma_index_list(?, 'main') WHERE origin = 'c'`).pluck().all(tableName(collection)) as string[];
}

/** An index's columns, in order; none when it does not exist. */
function columnsOfIndex(db: Database.Database, name: string): string[] {
  return db.prepare(`SELECT name FROM pragma_index_info(?, 'main') ORDER BY seqno`).pluck().all(name) as string[];
}

/**
 * Makes the collection's recent index match its spec: built from the rows when it is new, follows
 * another field, or the text indexes were just built again; dropped when the spec has none. Not
 * made while the collection is too small for it to narrow anything (see isWorthARecentIndex).
 * Whether the collection has one now, and whether it was filled from rows here.
 */
function ensureRecentIndex(
  db: Database.Database,
  collection: string,
  textFields: readonly string[],
  field: string | null,
  textRebuilt: boolean,
  columnFields: ReadonlySet<string>,
  options: RecentOptions,
): { active: boolean; filled: boolean } {
  if (field !== null && !columnFields.has(field)) throw new Error(`Collection "${collection}": recentBy "${field}" must be an indexed field (it needs a column of its own)`);
  const bound = readRecentBound(db, collection);
  const present =
    bound?.field === field && recentTableNames(collection).every((name) => columnNames(db, name).length > 0) && columnsOfIndex(db, recentOrderIndexName(collection)).length > 0;
  // Once made, kept whatever the size: a reader that has seen it (another process's API) keeps using it.
  const rows = present ? Infinity : (db.prepare(`SELECT count(*) FROM ${quote(tableName(collection))}`).pluck().get() as number);
  if (field === null || textFields.length === 0 || !isWorthARecentIndex(rows, options)) {
    dropRecentIndex(db, collection);
    return { active: false, filled: false };
  }
  if (!textRebuilt && present) return { active: true, filled: false };
  const texts = textFields.map((f) => textOf(f)).join(', ');
  return { active: true, filled: buildRecentIndex(db, collection, field, textFields, texts, (fts, insert) => fillInBulk(db, fts, insert), options) > 0 };
}

/**
 * Creates or extends one collection's schema; existing documents are kept (and indexed). Without
 * `indexes` the collection gets none of its declared indexes, nor text indexes (those there are
 * dropped): queries then test every row, and a later call with them builds each from the rows in
 * one pass. With `fillTexts` false, text indexes made afresh are left empty for the caller to fill.
 * Returns the text indexes (FTS5 tables) it filled from rows there, each in one statement
 * (fillInBulk): the caller lifts their segments once its transaction has committed.
 */
export function ensureCollectionSchema(
  db: Database.Database,
  spec: CollectionSpec,
  { indexes = true, fillTexts = true, recent = {} as RecentOptions } = {},
): readonly string[] {
  const table = quote(tableName(spec.name));
  // An explicit INTEGER PRIMARY KEY keeps row ids stable (even across VACUUM) for the FTS index.
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)`);
  // Recreated at the end, so they always match the text fields (and replace older versions).
  // Dropped first: SQLite refuses to drop a column a trigger names (a text field no longer declared).
  for (const suffix of TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS ${triggerName(spec.name, suffix)}`);

  const existing = new Map(columnNames(db, tableName(spec.name)).map((c) => [c.name, c.hidden]));
  const searchFields = new Set(spec.textFields ?? []);
  const columnFields = new Set(spec.indexes.flat().map((f) => indexField(f).field).filter((f) => f !== '_id' && !searchFields.has(f)));
  for (const field of columnFields) {
    const column = quote(fieldColumn(field));
    const hidden = existing.get(fieldColumn(field));
    if (hidden === 0) continue;
    if (hidden === VIRTUAL_GENERATED) {
      // A layout from before plain columns: its indexes go with the column and are made again below.
      dropIndexesOf(db, spec.name);
      db.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
    }
    db.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`);
    db.exec(`UPDATE ${table} SET ${column} = json_extract(doc, ${jsonPath(field)})`);
  }
  // A substring test reads a short column instead of parsing the document. Filled here for rows
  // already there, by the fold function (registerFoldFunction): a new text field's from the
  // documents; in a layout from before search columns, whose `f_` column held the value itself,
  // that column is renamed and folded in place, one rewrite of each row for all of them (adding
  // and dropping columns would rewrite the table once per column). An index holding one of them
  // is dropped first and made again below, rather than updated entry by entry.
  const hasRows = db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined;
  const folded = new Map<string, string>();
  for (const field of searchFields) {
    const column = searchColumn(field);
    if (existing.has(column)) continue;
    if (existing.get(fieldColumn(field)) === 0) {
      db.exec(`ALTER TABLE ${table} RENAME COLUMN ${quote(fieldColumn(field))} TO ${quote(column)}`);
      folded.set(column, `${FOLD_FUNCTION}(${quote(column)})`);
    } else {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${quote(column)}`);
      folded.set(column, `${FOLD_FUNCTION}(json_extract(doc, ${jsonPath(field)}))`);
    }
  }
  const searchColumnsFilled = hasRows && folded.size > 0;
  if (searchColumnsFilled) {
    dropIndexesHolding(db, spec.name, new Set(folded.keys()));
    db.exec(`UPDATE ${table} SET ${[...folded].map(([column, value]) => `${quote(column)} = ${value}`).join(', ')}`);
  }
  const declared = new Set<string>();
  for (const fields of indexes ? spec.indexes : []) declared.add(createDeclaredIndex(db, spec, fields));
  // The recent index's own (see sqlite-recent-index.ts): kept, or built or dropped with it below.
  if (indexes && recentFieldOf(spec) !== null) declared.add(recentOrderIndexName(spec.name));
  // An index no longer declared only costs every write.
  dropIndexesOf(db, spec.name, declared);
  ensureViews(db, spec.name, spec.views ?? {});
  // A field or search column no longer declared: queries would read it instead of the document,
  // and a writer that does not know it (the rebuild switch-over) would leave it empty.
  for (const { name: column } of columnNames(db, tableName(spec.name))) {
    const stale =
      (column.startsWith(fieldColumn('')) && !columnFields.has(column.slice(fieldColumn('').length))) ||
      (column.startsWith(searchColumn('')) && !searchFields.has(column.slice(searchColumn('').length)));
    if (stale) db.exec(`ALTER TABLE ${table} DROP COLUMN ${quote(column)}`);
  }

  const textFields = indexes ? [...new Set(spec.textFields ?? [])] : [];
  const layout = readLayout(db, spec.name);
  const current = layout?.textFields ?? new Set<string>();
  // Search columns just filled: the text indexes were made from other text (the values themselves).
  const unchanged =
    current.size === textFields.length &&
    textFields.every((f) => current.has(f)) &&
    (textFields.length === 0 || (layout?.gramsTable !== null && !searchColumnsFilled));
  if (!unchanged) rebuildFts(db, spec.name, textFields, fillTexts);
  // A queue from before the recent index: every row in it was queued for its text.
  if (textFields.length > 0 && !columnNames(db, ftsQueueName(spec.name)).some((c) => c.name === 'text')) {
    db.exec(`ALTER TABLE ${quote(ftsQueueName(spec.name))} ADD COLUMN text INTEGER NOT NULL DEFAULT 1`);
  }
  const recentField = indexes ? recentFieldOf(spec) : null;
  const recentIndex = ensureRecentIndex(db, spec.name, textFields, recentField, !unchanged, columnFields, recent);
  // The newer generation is the one a build fills.
  const recentFilled = recentIndex.filled ? [recentTableNames(spec.name)[1]] : [];
  if (textFields.length > 0) for (const trigger of queueTriggers(spec.name, textFields, recentIndex.active ? recentField : null)) db.exec(trigger);
  // An empty collection's text indexes have no segment yet.
  if (unchanged || textFields.length === 0 || !hasRows) return recentFilled;
  return [...(fillTexts ? [ftsTableName(spec.name), gramsTableName(spec.name)] : []), ...recentFilled];
}
