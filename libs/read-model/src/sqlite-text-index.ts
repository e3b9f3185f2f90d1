/**
 * Drains a collection's FTS queue (filled by triggers, see sqlite-schema.ts) into its FTS5
 * trigram and grams tables, in bulk: re-indexes queued rows that still exist and forgets deleted
 * ones. Runs inside the caller's write transaction, on a connection with the grams function.
 */
import type { Connection } from './sqlite-connection.js';
import { type CollectionLayout, ftsColumn, quote } from './sqlite-query.js';
import { GRAMS_FUNCTION } from './sqlite-grams.js';
import { textOf } from './sqlite-schema.js';

export type SearchableLayout = CollectionLayout & { ftsTable: string; ftsQueue: string; gramsTable: string };

export function isSearchable(layout: CollectionLayout): layout is SearchableLayout {
  return layout.ftsTable !== null && layout.ftsQueue !== null && layout.gramsTable !== null;
}

export function drainTextQueue(connection: Connection, layout: SearchableLayout): void {
  const fts = quote(layout.ftsTable);
  const queue = quote(layout.ftsQueue);
  if (!connection.statement(`SELECT EXISTS (SELECT 1 FROM ${queue})`).pluck().get()) return;
  const fields = [...layout.textFields];
  const columns = fields.map((field) => quote(ftsColumn(field))).join(', ');
  const texts = fields.map((field) => textOf(field, 'doc_row')).join(', ');
  const grams = quote(layout.gramsTable);
  const queuedRows = `FROM ${queue} AS queued JOIN ${quote(layout.table)} AS doc_row ON doc_row.rid = queued.rid`;
  connection.statement(`DELETE FROM ${fts} WHERE rowid IN (SELECT rid FROM ${queue} WHERE indexed)`).run();
  connection.statement(`DELETE FROM ${grams} WHERE rowid IN (SELECT rid FROM ${queue} WHERE indexed)`).run();
  connection.statement(`INSERT INTO ${fts} (rowid, ${columns}) SELECT doc_row.rid, ${texts} ${queuedRows}`).run();
  connection.statement(`INSERT INTO ${grams} (rowid, grams) SELECT doc_row.rid, ${GRAMS_FUNCTION}(${texts}) ${queuedRows}`).run();
  connection.statement(`DELETE FROM ${queue}`).run();
}
