/**
 * Keeps a collection's FTS5 trigram table in step with its documents, inside the batch's
 * transaction. FTS rows share the document rows' `rid`.
 *
 * Plain statements rather than triggers: FTS5 writes its pending index data out at every
 * statement savepoint, and a trigger writing to it (like RETURNING) makes SQLite open one for
 * every row, which made indexing several times slower.
 */
import type { Connection } from './sqlite-connection.js';
import { type CollectionLayout, ftsColumn, quote, type Sql } from './sqlite-query.js';
import { textOf } from './sqlite-schema.js';

/** A document row's id and its indexed texts, in FTS column order. */
export interface IndexedRow {
  rid: number | bigint;
  texts: unknown[];
}

export class TextIndex {
  private readonly fields: string[];
  private readonly byIdSql: string;
  private readonly byRidSql: string;
  private readonly whereSqlPrefix: string;
  private readonly insertSql: string;
  private readonly deleteSql: string;

  constructor(
    private readonly connection: Connection,
    layout: CollectionLayout & { ftsTable: string },
  ) {
    this.fields = [...layout.textFields];
    const table = quote(layout.table);
    const fts = quote(layout.ftsTable);
    const texts = this.fields.map((field) => textOf(field)).join(', ');
    this.byIdSql = `SELECT rid, ${texts} FROM ${table} WHERE id = ?`;
    this.byRidSql = `SELECT ${texts} FROM ${table} WHERE rid = ?`;
    this.whereSqlPrefix = `SELECT rid, ${texts} FROM ${table}`;
    const columns = this.fields.map((field) => quote(ftsColumn(field))).join(', ');
    this.insertSql = `INSERT INTO ${fts} (rowid, ${columns}) VALUES (?, ${this.fields.map(() => '?').join(', ')})`;
    this.deleteSql = `DELETE FROM ${fts} WHERE rowid = ?`;
  }

  /** Whether setting these fields can change the indexed text. */
  covers(fields: readonly string[]): boolean {
    return fields.some((field) => this.fields.includes(field));
  }

  rowById(id: string): IndexedRow | undefined {
    const row = this.connection.statement(this.byIdSql).raw().get(id) as unknown[] | undefined;
    return row && { rid: row[0] as number, texts: row.slice(1) };
  }

  rowsWhere(where: Sql): IndexedRow[] {
    const rows = this.connection
      .statement(this.whereSqlPrefix + where.sql)
      .raw()
      .all(...where.params) as unknown[][];
    return rows.map((row) => ({ rid: row[0] as number, texts: row.slice(1) }));
  }

  /** Re-reads the row's texts after a write and re-indexes it when they changed (or it is new). */
  refresh(rid: number | bigint, before: IndexedRow | undefined): void {
    const after = this.connection.statement(this.byRidSql).raw().get(rid) as unknown[] | undefined;
    if (before && after && after.every((text, i) => text === before.texts[i])) return;
    if (before) this.remove(rid);
    if (after) this.connection.statement(this.insertSql).run(rid, ...after);
  }

  remove(rid: number | bigint): void {
    this.connection.statement(this.deleteSql).run(rid);
  }
}
