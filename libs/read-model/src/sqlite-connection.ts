import Database from 'better-sqlite3';

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

/**
 * A connection of its own that may write FTS5's shadow tables by their SQL names, which FTS5
 * documents and SQLite's defensive mode forbids. A rebuild's file (not yet published, or being
 * published) is written as the rebuild writes it, journal in memory and no syncs (the file is
 * synced once published); a live store's keeps its WAL and syncs, and waits for its other writer.
 * Its commit tells the file's other connections (SQLite's data version) to read the indexes'
 * structure again. The caller closes it.
 */
export function openShadowTableWriter(file: string): Database.Database {
  const db = new Database(file);
  if (db.pragma('journal_mode', { simple: true }) === 'wal') {
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
  } else {
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
  }
  db.unsafeMode(true);
  return db;
}
