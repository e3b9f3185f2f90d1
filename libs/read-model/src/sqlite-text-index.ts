/**
 * Drains a collection's FTS queue (filled by triggers, see sqlite-schema.ts) into its FTS5
 * trigram and grams tables, in bulk: re-indexes queued rows that still exist and forgets deleted
 * ones. Runs inside the caller's write transaction, on a connection with the grams function.
 *
 * Until a row is drained, searches take it as a candidate anyway (sqlite-query.ts), so draining
 * can wait: each drain writes a new segment into both FTS5 tables when the transaction commits,
 * which costs about as much for 3 rows as for 60 (grams measured in memory: 90 µs per row when
 * committed 3 at a time, 27 at 60, 10 all at once).
 */
import type { Connection } from './sqlite-connection.js';
import { type CollectionLayout, ftsColumn, quote } from './sqlite-query.js';
import { GRAMS_FUNCTION } from './sqlite-grams.js';
import { drainIntoRecent, type RecentOptions } from './sqlite-recent-index.js';
import { textOf } from './sqlite-schema.js';

export type SearchableLayout = CollectionLayout & { ftsTable: string; ftsQueue: string; gramsTable: string };

export function isSearchable(layout: CollectionLayout): layout is SearchableLayout {
  return layout.ftsTable !== null && layout.ftsQueue !== null && layout.gramsTable !== null;
}

/**
 * Drains the queue if it holds at least `minRows` (≥ 1) rows; whether rows are left queued. Rows
 * queued only for the recent index (`text` 0: their text did not change) go there alone.
 */
export function drainTextQueue(connection: Connection, layout: SearchableLayout, minRows = 1, recent: RecentOptions = {}): boolean {
  const fts = quote(layout.ftsTable);
  const queue = quote(layout.ftsQueue);
  // `+?`: SQLite may plan with a bare `LIMIT ?`'s value, and so prepares the statement again at
  // each binding (see sqlite-event-store.ts); this is asked after every batch.
  const queued = connection.statement(`SELECT count(*) FROM (SELECT 1 FROM ${queue} LIMIT +?)`).pluck().get(minRows) as number;
  if (queued < minRows) return queued > 0;
  const fields = [...layout.textFields];
  const columns = fields.map((field) => quote(ftsColumn(field))).join(', ');
  const texts = fields.map((field) => textOf(field, 'doc_row')).join(', ');
  const grams = quote(layout.gramsTable);
  // CROSS JOIN keeps the queue the outer loop, in row id order (which FTS5 takes best): otherwise
  // SQLite may prefer scanning the search index, which covers the text columns, in its own order.
  const queuedRows = `FROM ${queue} AS queued CROSS JOIN ${quote(layout.table)} AS doc_row ON doc_row.rid = queued.rid WHERE queued.text`;
  connection.statement(`DELETE FROM ${fts} WHERE rowid IN (SELECT rid FROM ${queue} WHERE indexed AND text)`).run();
  connection.statement(`DELETE FROM ${grams} WHERE rowid IN (SELECT rid FROM ${queue} WHERE indexed AND text)`).run();
  connection.statement(`INSERT INTO ${fts} (rowid, ${columns}) SELECT doc_row.rid, ${texts} ${queuedRows}`).run();
  connection.statement(`INSERT INTO ${grams} (rowid, grams) SELECT doc_row.rid, ${GRAMS_FUNCTION}(${texts}) ${queuedRows}`).run();
  if (layout.recentTables !== null) drainIntoRecent(connection, layout, queue, texts, recent);
  connection.statement(`DELETE FROM ${queue}`).run();
  return false;
}
