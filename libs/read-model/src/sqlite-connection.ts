import type Database from 'better-sqlite3';

/** Enough for every distinct query shape of the read models; `$in` lists of many lengths evict. */
const STATEMENT_CACHE_SIZE = 500;

/** One better-sqlite3 connection with its prepared statements cached per SQL text. */
export class Connection {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        this.statements.delete(this.statements.keys().next().value!);
      }
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
