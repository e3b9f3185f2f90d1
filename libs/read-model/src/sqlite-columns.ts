/**
 * The field columns of the SQLite read store (see sqlite-schema.ts): each holds what
 * `json_extract(doc, '$.Field')` gives for the stored document, so queries on a column and on the
 * document agree; a text field's search column holds its folded text (sqlite-text-fold.ts). The
 * store computes them in JavaScript when it writes a document.
 */
import type { Doc } from './read-store.js';
import { type CollectionLayout, fieldColumn, quote, searchColumn, viewColumn } from './sqlite-query.js';
import { searchForm } from './sqlite-text-fold.js';
import { renderView } from './sqlite-views.js';

/** A field's value as json_extract returns it: integers as INTEGER, booleans as 1/0, objects as JSON text. */
export function columnValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * A layout's field columns and views as plain arrays, made once per layout: the write path loops
 * over them instead of spreading a Set's and a Map's iterators for every document it writes.
 */
interface WriteOrder {
  fields: readonly string[];
  searchFields: readonly string[];
  viewNames: readonly string[];
  viewFields: ReadonlyArray<readonly string[]>;
}

const writeOrders = new WeakMap<CollectionLayout, WriteOrder>();
const upserts = new WeakMap<CollectionLayout, string>();

function writeOrderOf(layout: CollectionLayout): WriteOrder {
  let order = writeOrders.get(layout);
  if (!order) {
    order = { fields: [...layout.columnFields], searchFields: [...layout.searchFields], viewNames: [...layout.views.keys()], viewFields: [...layout.views.values()] };
    writeOrders.set(layout, order);
  }
  return order;
}

/** INSERT or replace of a whole document with all its columns: id, doc, the field columns, the search columns and the views, in `writeOrderOf` order. */
export function upsertSql(layout: CollectionLayout): string {
  let sql = upserts.get(layout);
  if (!sql) {
    const names = [
      'id',
      'doc',
      ...writeOrderOf(layout).fields.map((field) => quote(fieldColumn(field))),
      ...writeOrderOf(layout).searchFields.map((field) => quote(searchColumn(field))),
      ...writeOrderOf(layout).viewNames.map((view) => quote(viewColumn(view))),
    ];
    sql =
      `INSERT INTO ${quote(layout.table)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ` +
      `ON CONFLICT (id) DO UPDATE SET ${names.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`;
    upserts.set(layout, sql);
  }
  return sql;
}

export function upsertParams(layout: CollectionLayout, doc: Doc): unknown[] {
  const { fields, searchFields, viewFields } = writeOrderOf(layout);
  const params: unknown[] = [doc._id, JSON.stringify(doc)];
  for (const field of fields) params.push(columnValue(doc[field]));
  for (const field of searchFields) params.push(searchForm(doc[field]));
  for (const shown of viewFields) params.push(renderView(doc, shown));
  return params;
}

/**
 * UPDATE of a stored document to `doc`, setting only the columns whose value changed: SQLite
 * rewrites an index entry only for the columns an UPDATE sets.
 */
export function updateFromSql(layout: CollectionLayout, stored: Doc, doc: Doc): { sql: string; params: unknown[] } {
  const { fields, searchFields, viewNames, viewFields } = writeOrderOf(layout);
  const differs = (field: string) => columnValue(stored[field]) !== columnValue(doc[field]);
  let sets = 'doc = ?';
  const params: unknown[] = [JSON.stringify(doc)];
  for (const field of fields) {
    if (!differs(field)) continue;
    sets += `, ${quote(fieldColumn(field))} = ?`;
    params.push(columnValue(doc[field]));
  }
  for (const field of searchFields) {
    if (!differs(field)) continue;
    sets += `, ${quote(searchColumn(field))} = ?`;
    params.push(searchForm(doc[field]));
  }
  for (let i = 0; i < viewNames.length; i++) {
    if (!viewFields[i].some(differs)) continue;
    sets += `, ${quote(viewColumn(viewNames[i]))} = ?`;
    params.push(renderView(doc, viewFields[i]));
  }
  params.push(doc._id);
  return { sql: `UPDATE ${quote(layout.table)} SET ${sets} WHERE id = ?`, params };
}
