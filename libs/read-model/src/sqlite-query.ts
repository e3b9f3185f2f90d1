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

/** What the store knows about one collection's table, read back from the schema. */
export interface CollectionLayout {
  table: string;
  /** The FTS5 trigram table over `textFields`, when there is one. */
  ftsTable: string | null;
  /** Fields with a generated column (and so usable by indexes). */
  indexedFields: ReadonlySet<string>;
  textFields: ReadonlySet<string>;
}

export interface Sql {
  sql: string;
  params: unknown[];
}

/** FTS5's trigram tokenizer cannot match needles shorter than one trigram. */
const TRIGRAM_LENGTH = 3;

export const tableName = (collection: string): string => `rm_${collection}`;
export const ftsTableName = (collection: string): string => `rm_${collection}_fts`;
export const generatedColumn = (field: string): string => `f_${field}`;
export const ftsColumn = (field: string): string => `t_${field}`;
export const jsonPath = (field: string): string => `'$.${field}'`;
export const quote = (identifier: string): string => `"${identifier}"`;

/** The SQL expression for a field's value; indexed fields go through their generated column. */
export function valueOf(layout: CollectionLayout, field: string): string {
  if (field === '_id') return 'id';
  if (layout.indexedFields.has(field)) return quote(generatedColumn(field));
  return `json_extract(doc, ${jsonPath(field)})`;
}

/** better-sqlite3 binds no booleans; JSON true/false read back as 1/0. */
function param(value: Scalar): unknown {
  return typeof value === 'boolean' ? Number(value) : value;
}

/** A phrase in FTS5 syntax: inside double quotes only a doubled quote is special. */
export function ftsPhrase(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

function containsSql(layout: CollectionLayout, field: string, text: string): Sql {
  const value = valueOf(layout, field);
  // lower() folds ASCII only; this substring test is the definition, the FTS index only narrows.
  const substring = `typeof(${value}) = 'text' AND instr(lower(${value}), lower(?)) > 0`;
  // Code points, not UTF-16 units: a trigram is three characters.
  if (layout.ftsTable && layout.textFields.has(field) && [...text].length >= TRIGRAM_LENGTH) {
    return {
      sql: `(rid IN (SELECT rowid FROM ${quote(layout.ftsTable)} WHERE ${quote(ftsColumn(field))} MATCH ?) AND ${substring})`,
      params: [ftsPhrase(text), text],
    };
  }
  return { sql: `(${substring})`, params: [text] };
}

function clauseSql(layout: CollectionLayout, clause: Clause): Sql {
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
      return containsSql(layout, clause.field, clause.text);
  }
}

export function whereSql(layout: CollectionLayout, clauses: readonly Clause[]): Sql {
  if (clauses.length === 0) return { sql: '', params: [] };
  const parts = clauses.map((clause) => clauseSql(layout, clause));
  return { sql: ` WHERE ${parts.map((p) => p.sql).join(' AND ')}`, params: parts.flatMap((p) => p.params) };
}

export function findSql(layout: CollectionLayout, clauses: readonly Clause[], find: NormalizedFind): Sql {
  const where = whereSql(layout, clauses);
  const order = find.sort.map(([field, dir]) => `${valueOf(layout, field)} ${dir === 1 ? 'ASC' : 'DESC'}`).join(', ');
  return {
    sql: `SELECT doc FROM ${quote(layout.table)}${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
    params: [...where.params, find.limit ?? -1, find.skip],
  };
}

export function countSql(layout: CollectionLayout, clauses: readonly Clause[]): Sql {
  const where = whereSql(layout, clauses);
  return { sql: `SELECT count(*) FROM ${quote(layout.table)}${where.sql}`, params: where.params };
}

/** `json_set(doc, …)` replacing each field with a JSON value (nested objects replace, never merge). */
export function setDocSql(entries: ReadonlyArray<readonly [string, unknown]>): Sql {
  return {
    sql: `json_set(doc, ${entries.map(([field]) => `${jsonPath(field)}, json(?)`).join(', ')})`,
    params: entries.map(([, value]) => JSON.stringify(value)),
  };
}
