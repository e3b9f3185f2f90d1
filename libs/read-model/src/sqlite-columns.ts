/**
 * The field columns of the SQLite read store (see sqlite-schema.ts): each holds what
 * `json_extract(doc, '$.Field')` gives for the stored document, so queries on a column and on the
 * document agree. The store computes them in JavaScript when it writes a document.
 */
import type { Doc } from './read-store.js';
import { type CollectionLayout, fieldColumn, quote, viewColumn } from './sqlite-query.js';
import { renderView } from './sqlite-views.js';

/** A field's value as json_extract returns it: integers as INTEGER, booleans as 1/0, objects as JSON text. */
export function columnValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

const fieldLists = new WeakMap<CollectionLayout, string[]>();
const upserts = new WeakMap<CollectionLayout, string>();

function fieldsOf(layout: CollectionLayout): string[] {
  let fields = fieldLists.get(layout);
  if (!fields) fieldLists.set(layout, (fields = [...layout.columnFields]));
  return fields;
}

/** INSERT or replace of a whole document with all its columns: id, doc, `fieldsOf` in order, the views. */
export function upsertSql(layout: CollectionLayout): string {
  let sql = upserts.get(layout);
  if (!sql) {
    const names = [
      'id',
      'doc',
      ...fieldsOf(layout).map((field) => quote(fieldColumn(field))),
      ...[...layout.views.keys()].map((view) => quote(viewColumn(view))),
    ];
    sql =
      `INSERT INTO ${quote(layout.table)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ` +
      `ON CONFLICT (id) DO UPDATE SET ${names.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`;
    upserts.set(layout, sql);
  }
  return sql;
}

export function upsertParams(layout: CollectionLayout, doc: Doc): unknown[] {
  return [
    doc._id,
    JSON.stringify(doc),
    ...fieldsOf(layout).map((field) => columnValue(doc[field])),
    ...[...layout.views.values()].map((fields) => renderView(doc, fields)),
  ];
}

/**
 * UPDATE of a stored document to `doc`, setting only the columns whose value changed: SQLite
 * rewrites an index entry only for the columns an UPDATE sets.
 */
export function updateFromSql(layout: CollectionLayout, stored: Doc, doc: Doc): { sql: string; params: unknown[] } {
  const differs = (field: string) => columnValue(stored[field]) !== columnValue(doc[field]);
  const changed = fieldsOf(layout).filter(differs);
  const views = [...layout.views].filter(([, fields]) => fields.some(differs));
  const sets = [
    'doc = ?',
    ...changed.map((field) => `${quote(fieldColumn(field))} = ?`),
    ...views.map(([view]) => `${quote(viewColumn(view))} = ?`),
  ];
  return {
    sql: `UPDATE ${quote(layout.table)} SET ${sets.join(', ')} WHERE id = ?`,
    params: [
      JSON.stringify(doc),
      ...changed.map((field) => columnValue(doc[field])),
      ...views.map(([, fields]) => renderView(doc, fields)),
      doc._id,
    ],
  };
}
