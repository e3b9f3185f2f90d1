/**
 * Case folding for `$contains` on the SQLite read store (the fold itself: text-fold.ts).
 * SQLite's own lower() folds ASCII only: "émilie" did not find "Émilie". Folding every tested row
 * in a JavaScript function would cost a call per row, so each text field has a search column
 * holding its folded value (sqlite-schema.ts), written with the document; a needle is folded once.
 */
import type Database from 'better-sqlite3';
import { foldText } from './text-fold.js';

/** The SQL function that folds a value (text; NULL for anything else), for fields without a search column. */
export const FOLD_FUNCTION = 'read_model_fold';

/** What a field's search column holds: the folded text of a string value, NULL for any other value. */
export function searchForm(value: unknown): string | null {
  return typeof value === 'string' ? foldText(value) : null;
}

/** Makes the fold function available to a connection. */
export function registerFoldFunction(db: Database.Database): void {
  db.function(FOLD_FUNCTION, { deterministic: true }, (value: unknown) => searchForm(value));
}
