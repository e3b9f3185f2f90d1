/**
 * The recent index of a searchable collection that declares `recentBy` (the registrations:
 * LastChangeTime): trigram FTS5 tables, keyed by row id like the full one, holding only the rows
 * newest by that field. Text searches are sorted newest first, and a search whose needles many
 * rows hold (Email "lovelace" with Name "ada": 1,668 of a million registrations) fetched and sorted
 * every candidate for a page of 100; through this index it reads only the candidates among the
 * newest rows (docs/performance.md, session 26).
 *
 * Two generations, so that rows are never deleted from the index in bulk (FTS5 keeps deletions as
 * tombstones that every later merge of the segment pays for: measured, a sweep of aged rows made
 * the projector's merges a quarter of its CPU). New rows and rows that move into range go to the
 * newer generation; once it holds `target` rows the older one is dropped, the newer becomes the
 * older, and a new one starts empty: `since` becomes `split`, and `split` moves past every value
 * there is (never back).
 *
 * The bounds, in read_model_recent:
 * - `since`: every row whose field is at or after it is in one of the two generations, or in the
 *   text queue (null: every row). So when the rows at or after it that match a search fill its
 *   page, no other row can come before them (recentPageSql).
 * - `split`: every row whose field is at or after it is in the newer generation, or queued (null:
 *   every row is). A row whose field moves into range from below `split` is queued by a trigger
 *   (sqlite-schema.ts) and the drain puts it in the newer generation; a new row is queued anyway.
 * Rows left behind (a stale text, a deleted row, a row whose field moved back) cost room, not
 * answers: queries test every candidate on its row.
 */
import type Database from 'better-sqlite3';
import type { Connection } from './sqlite-connection.js';
import { type CollectionLayout, collectionOf, fieldColumn, quote, recentTableNames, tableName, trigramColumnsSql, trigramTableSql } from './sqlite-query.js';

const RECENT_DDL =
  'CREATE TABLE IF NOT EXISTS read_model_recent (collection TEXT PRIMARY KEY, field TEXT NOT NULL, since, split, rows INTEGER NOT NULL)';

/** The share of a collection's rows each generation holds, about. */
const RECENT_SHARE = 0.1;
/** A generation holds at least this many rows (below it, twice this many rows in all: every row). */
export const RECENT_MIN_ROWS = 20_000;

export interface RecentBound {
  field: string;
  since: unknown;
  split: unknown;
  /** About how many rows the newer generation holds. */
  rows: number;
}

export interface RecentOptions {
  /** A generation's least number of rows (default RECENT_MIN_ROWS; tests use fewer). */
  minRows?: number;
}

/** The index on the field alone that finds the newest rows (the build's bound, a rotation's split). */
export const recentOrderIndexName = (collection: string): string => `rm_${collection}_recent_order`;

function hasBoundTable(db: Database.Database, schema = 'main'): boolean {
  return db.prepare(`SELECT 1 FROM ${quote(schema)}.sqlite_schema WHERE type = 'table' AND name = 'read_model_recent'`).get() !== undefined;
}

/** The collection's bounds (in the database `schema`, main or an attached one), or null when it has no recent index. */
export function readRecentBound(db: Database.Database, collection: string, schema = 'main'): RecentBound | null {
  if (!hasBoundTable(db, schema)) return null;
  return (db.prepare(`SELECT field, since, split, rows FROM ${quote(schema)}.read_model_recent WHERE collection = ?`).get(collection) as RecentBound | undefined) ?? null;
}

/**
 * Whether a collection of `rows` rows is worth a recent index: below twice a generation's least
 * size the newer generation would hold every row, and the index would only cost every write.
 */
export function isWorthARecentIndex(rows: number, options: RecentOptions = {}): boolean {
  return rows >= 2 * (options.minRows ?? RECENT_MIN_ROWS);
}

export function dropRecentIndex(db: Database.Database, collection: string): void {
  for (const table of recentTableNames(collection)) db.exec(`DROP TABLE IF EXISTS main.${quote(table)}`);
  db.exec(`DROP INDEX IF EXISTS main.${quote(recentOrderIndexName(collection))}`);
  if (hasBoundTable(db)) db.prepare('DELETE FROM read_model_recent WHERE collection = ?').run(collection);
}

function createGeneration(db: Database.Database, table: string, textFields: readonly string[]): void {
  db.exec(trigramTableSql(table, textFields));
}

/** How many rows a generation holds before it rotates, for a table whose largest row id is `maxRid`. */
function targetRows(maxRid: number, minRows: number): number {
  return Math.max(minRows, Math.ceil(maxRid * RECENT_SHARE));
}

/** The collection's recent index, empty, with no bound row (a copy's caller writes it). */
export function createEmptyRecentIndex(db: Database.Database, collection: string, field: string, textFields: readonly string[]): void {
  dropRecentIndex(db, collection);
  db.exec(RECENT_DDL);
  db.exec(`CREATE INDEX ${quote(recentOrderIndexName(collection))} ON ${quote(tableName(collection))} (${quote(fieldColumn(field))})`);
  for (const table of recentTableNames(collection)) createGeneration(db, table, textFields);
}

/**
 * Creates the collection's recent index afresh from the rows there (`texts`: the text fields'
 * values, SQL, in layout order): the newer generation holds the newest `target` rows (every row
 * when there are fewer than twice that), filled with `fill`, the bulk fill of the other text
 * indexes (one segment, for fts5-structure.ts to place); the older one starts empty. The number
 * of rows it took in.
 */
export function buildRecentIndex(
  db: Database.Database,
  collection: string,
  field: string,
  textFields: readonly string[],
  texts: string,
  fill: (fts: string, insert: string) => void,
  options: RecentOptions = {},
): number {
  createEmptyRecentIndex(db, collection, field, textFields);
  const table = quote(tableName(collection));
  const value = quote(fieldColumn(field));
  const [, newer] = recentTableNames(collection);
  const rows = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  const target = targetRows(rows, options.minRows ?? RECENT_MIN_ROWS);
  // The target-th newest value, through the order index: every row at or after it is taken in.
  const since = rows < 2 * target ? null : db.prepare(`SELECT ${value} FROM ${table} ORDER BY ${value} DESC LIMIT 1 OFFSET ?`).pluck().get(target - 1);
  db.prepare('INSERT INTO read_model_recent (collection, field, since, split, rows) VALUES (?, ?, ?, ?, 0)').run(collection, field, since, since);
  // A statement without parameters: the bound is read from its row.
  const bound = `(SELECT since FROM read_model_recent WHERE collection = '${collection}')`;
  const columns = trigramColumnsSql(textFields);
  fill(quote(newer), `INSERT INTO ${quote(newer)} (rowid, ${columns}) SELECT rid, ${texts} FROM ${table}${since === null ? '' : ` WHERE ${value} >= ${bound}`} ORDER BY rid`);
  const taken = db.prepare(`SELECT count(*) FROM ${quote(`${newer}_docsize`)}`).pluck().get() as number;
  db.prepare('UPDATE read_model_recent SET rows = ? WHERE collection = ?').run(taken, collection);
  return taken;
}

/**
 * Inside a drain of the text queue (sqlite-text-index.ts), before the queue is emptied: the queued
 * rows in range (re)enter the newer generation, which rotates once it is full.
 */
export function drainIntoRecent(connection: Connection, layout: CollectionLayout, queue: string, texts: string, options: RecentOptions = {}): void {
  const collection = collectionOf(layout);
  const bound = connection.statement('SELECT field, since, split, rows FROM read_model_recent WHERE collection = ?').get(collection) as RecentBound | undefined;
  if (bound === undefined) return;
  const [, newer] = layout.recentTables!;
  const table = quote(layout.table);
  const value = quote(fieldColumn(bound.field));
  const columns = trigramColumnsSql(layout.textFields);
  // A queued row the newer generation may hold already (its text changed, it was deleted, its field
  // moved back and forth, or the build took it in while it was queued) leaves it first; deleting a
  // row it does not hold writes nothing.
  const removed = connection.statement(`DELETE FROM ${quote(newer)} WHERE rowid IN (SELECT rid FROM ${queue})`).run().changes;
  const taken = connection
    .statement(`INSERT INTO ${quote(newer)} (rowid, ${columns}) SELECT doc_row.rid, ${texts} FROM ${queue} AS queued CROSS JOIN ${table} AS doc_row ON doc_row.rid = queued.rid WHERE ? IS NULL OR ${value} >= ?`)
    .run(bound.since, bound.since).changes;
  const rows = Math.max(0, bound.rows - removed + taken);
  const maxRid = (connection.statement(`SELECT max(rid) FROM ${table}`).pluck().get() as number | null) ?? 0;
  const full = rows >= targetRows(maxRid, options.minRows ?? RECENT_MIN_ROWS);
  // The new split, past every value there now (text: the least string after the largest), so no row
  // is at or after it yet; and never below the old split, which becomes `since`: a row between the
  // two would be in range with nothing to put it in the newer generation.
  const newest = full ? connection.statement(`SELECT max(${value}) FROM ${table}`).pluck().get() : null;
  if (typeof newest !== 'string') {
    connection.statement('UPDATE read_model_recent SET rows = ? WHERE collection = ?').run(rows, collection);
    return;
  }
  rotate(connection.db, layout);
  const past = `${newest}\u0000`;
  connection
    .statement('UPDATE read_model_recent SET since = split, split = CASE WHEN split > ? THEN split ELSE ? END, rows = 0 WHERE collection = ?')
    .run(past, past, collection);
}

/**
 * Empties the collection's recent index for a replay of its projection (SqliteReadStore.reset): no
 * bounds, so every row the replay writes goes to the newer generation and no page is read from it
 * until a rotation has set `since` again. The tables stay: readers may hold their layout.
 */
export function emptyRecentIndex(db: Database.Database, layout: CollectionLayout): void {
  const collection = collectionOf(layout);
  for (const table of layout.recentTables!) db.exec(`INSERT INTO ${quote(table)} (${quote(table)}) VALUES ('delete-all')`);
  db.prepare('UPDATE read_model_recent SET since = NULL, split = NULL, rows = 0 WHERE collection = ?').run(collection);
}

/** The older generation dropped, the newer one in its place, a new one empty. */
function rotate(db: Database.Database, layout: CollectionLayout): void {
  const [older, newer] = layout.recentTables!;
  db.exec(`DROP TABLE ${quote(older)}`);
  db.exec(`ALTER TABLE ${quote(newer)} RENAME TO ${quote(older)}`);
  createGeneration(db, newer, [...layout.textFields]);
}
