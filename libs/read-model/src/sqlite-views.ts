/**
 * Views of the SQLite read store: for each view a collection declares, a column `v_<view>` holds
 * the document narrowed to the view's fields, as JSON text, written with the document. A page of
 * search rows is then the concatenation of stored texts: no document is parsed, picked and written
 * out again per request. The definitions are recorded in `read_model_views`, so a changed field
 * list is noticed and the column rendered again.
 */
import type Database from 'better-sqlite3';
import { type Doc, pickFields } from './read-store.js';
import { assertFieldName } from './normalized-query.js';
import { bindsDirectly, type CollectionLayout, jsonPath, quote, type Sql, tableName, viewColumn } from './sqlite-query.js';

export const VIEWS_DDL =
  'CREATE TABLE IF NOT EXISTS read_model_views (collection TEXT NOT NULL, view TEXT NOT NULL, fields TEXT NOT NULL, PRIMARY KEY (collection, view))';

export function renderView(doc: Doc, fields: readonly string[]): string {
  return JSON.stringify(pickFields(doc, fields));
}

/**
 * SQL rendering the view from the stored document (when a view is added or its fields change);
 * `->` keeps JSON as JSON: numbers, booleans and nested values, not their text.
 */
function viewSql(fields: readonly string[]): string {
  return `json_object(${fields.map((field) => `'${field}', doc -> ${jsonPath(field)}`).join(', ')})`;
}

/**
 * `, v_<view> = …` for each view showing a field an updateMany sets (values bound as setDocSql
 * binds them). The stored view is changed in place (`json_set` keeps its key order): rendering it
 * again from the document would parse the document once per field, and a retitle rewrites every
 * row of an exam event.
 */
export function viewSetsSql(layout: CollectionLayout, entries: ReadonlyArray<readonly [string, unknown]>): Sql {
  const sets = new Map(entries);
  const parts: Sql[] = [];
  for (const [view, fields] of layout.views) {
    const shown = fields.filter((field) => sets.has(field));
    if (shown.length === 0) continue;
    const column = quote(viewColumn(view));
    const paths = shown.map((field) => `${jsonPath(field)}, ${bindsDirectly(sets.get(field)) ? '?' : 'json(?)'}`);
    parts.push({
      // A row some other writer left without the view (NULL) gets it rendered from the document.
      sql: `, ${column} = json_set(coalesce(${column}, ${viewSql(fields)}), ${paths.join(', ')})`,
      params: shown.map((field) => {
        const value = sets.get(field);
        return bindsDirectly(value) ? value : JSON.stringify(value);
      }),
    });
  }
  return { sql: parts.map((p) => p.sql).join(''), params: parts.flatMap((p) => p.params) };
}

export function readViews(db: Database.Database, collection: string, columns: ReadonlySet<string>): Map<string, readonly string[]> {
  const rows = db.prepare('SELECT view, fields FROM read_model_views WHERE collection = ?').all(collection) as Array<{
    view: string;
    fields: string;
  }>;
  const views = new Map(rows.filter((row) => columns.has(viewColumn(row.view))).map((row) => [row.view, JSON.parse(row.fields) as string[]]));
  // Spliced into SQL (json_object keys, column names): checked again as they come back.
  for (const [view, fields] of views) [view, ...fields].forEach(assertFieldName);
  return views;
}

/** Adds, renders again or drops view columns so that they match the declared views. */
export function ensureViews(db: Database.Database, collection: string, declared: Readonly<Record<string, readonly string[]>>): void {
  const table = quote(tableName(collection));
  const columns = new Set((db.prepare(`SELECT name FROM pragma_table_xinfo(?, 'main')`).pluck().all(tableName(collection)) as string[]));
  const recorded = readViews(db, collection, columns);
  for (const [view, fields] of Object.entries(declared)) {
    const column = quote(viewColumn(view));
    if (JSON.stringify(recorded.get(view)) === JSON.stringify(fields)) continue;
    if (!columns.has(viewColumn(view))) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`);
    db.exec(`UPDATE ${table} SET ${column} = ${viewSql(fields)}`);
    db.prepare(
      'INSERT INTO read_model_views (collection, view, fields) VALUES (?, ?, ?) ON CONFLICT (collection, view) DO UPDATE SET fields = excluded.fields',
    ).run(collection, view, JSON.stringify(fields));
  }
  for (const view of recorded.keys()) {
    if (view in declared) continue;
    db.exec(`ALTER TABLE ${table} DROP COLUMN ${quote(viewColumn(view))}`);
    db.prepare('DELETE FROM read_model_views WHERE collection = ? AND view = ?').run(collection, view);
  }
}
