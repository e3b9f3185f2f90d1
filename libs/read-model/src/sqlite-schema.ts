/**
 * DDL of the SQLite read store: one table per collection, a generated column per indexed field,
 * the declared compound indexes, and an FTS5 trigram table over the text fields (kept in sync by
 * the store's sessions, see sqlite-text-index.ts). The schema itself is the record of what
 * exists: layouts are read back from it.
 */
import type Database from 'better-sqlite3';
import type { CollectionSpec } from './read-store.js';
import {
  type CollectionLayout,
  ftsColumn,
  ftsTableName,
  generatedColumn,
  jsonPath,
  quote,
  tableName,
} from './sqlite-query.js';

export const CHECKPOINTS_DDL =
  'CREATE TABLE IF NOT EXISTS projection_checkpoints (projection TEXT PRIMARY KEY, position TEXT NOT NULL)';

/** pragma table_xinfo marks virtual generated columns with hidden = 2. */
const VIRTUAL_GENERATED = 2;

function columnNames(db: Database.Database, table: string): Array<{ name: string; hidden: number }> {
  return db.prepare('SELECT name, hidden FROM pragma_table_xinfo(?)').all(table) as Array<{
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
  const generated = columns.filter((c) => c.hidden === VIRTUAL_GENERATED).map((c) => c.name);
  const textFields = withPrefix(
    columnNames(db, ftsTableName(collection)).map((c) => c.name),
    ftsColumn(''),
  );
  return {
    table,
    ftsTable: textFields.length > 0 ? ftsTableName(collection) : null,
    indexedFields: new Set(withPrefix(generated, generatedColumn(''))),
    textFields: new Set(textFields),
  };
}

/** The field's value when it is a string, else NULL: only strings are searchable text. */
export function textOf(field: string): string {
  return `CASE WHEN json_type(doc, ${jsonPath(field)}) = 'text' THEN json_extract(doc, ${jsonPath(field)}) END`;
}

function rebuildFts(db: Database.Database, collection: string, fields: readonly string[]): void {
  const fts = quote(ftsTableName(collection));
  db.exec(`DROP TABLE IF EXISTS ${fts}`);
  if (fields.length === 0) return;
  // Contentless: the documents already hold the text; the index only has to find row ids.
  db.exec(
    `CREATE VIRTUAL TABLE ${fts} USING fts5(${fields.map((f) => quote(ftsColumn(f))).join(', ')}, ` +
      `content='', contentless_delete=1, tokenize='trigram case_sensitive 0')`,
  );
  const columns = fields.map((f) => quote(ftsColumn(f))).join(', ');
  const texts = fields.map((f) => textOf(f)).join(', ');
  db.exec(`INSERT INTO ${fts}(rowid, ${columns}) SELECT rid, ${texts} FROM ${quote(tableName(collection))}`);
}

/** Creates or extends one collection's schema; existing documents are kept (and indexed). */
export function ensureCollectionSchema(db: Database.Database, spec: CollectionSpec): void {
  const table = quote(tableName(spec.name));
  // An explicit INTEGER PRIMARY KEY keeps row ids stable (even across VACUUM) for the FTS index.
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)`);

  const existing = new Set(columnNames(db, tableName(spec.name)).map((c) => c.name));
  const indexedFields = new Set(spec.indexes.flat().filter((f) => f !== '_id'));
  for (const field of indexedFields) {
    if (existing.has(generatedColumn(field))) continue;
    db.exec(
      `ALTER TABLE ${table} ADD COLUMN ${quote(generatedColumn(field))} ` +
        `GENERATED ALWAYS AS (json_extract(doc, ${jsonPath(field)})) VIRTUAL`,
    );
  }
  for (const fields of spec.indexes) {
    const columns = fields.map((f) => (f === '_id' ? 'id' : quote(generatedColumn(f))));
    const name = quote(`${tableName(spec.name)}_ix(${fields.join(',')})`);
    db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${columns.join(', ')})`);
  }

  // The first version of this store kept the FTS table in sync with triggers.
  for (const suffix of ['ai', 'au', 'ad']) db.exec(`DROP TRIGGER IF EXISTS ${quote(`${ftsTableName(spec.name)}_${suffix}`)}`);

  const textFields = [...new Set(spec.textFields ?? [])];
  const current = readLayout(db, spec.name)?.textFields ?? new Set<string>();
  const unchanged = current.size === textFields.length && textFields.every((f) => current.has(f));
  if (!unchanged) rebuildFts(db, spec.name, textFields);
}
