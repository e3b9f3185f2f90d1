import Database from 'better-sqlite3';
import { join } from 'node:path';

/** The file whose lock says an API process is using the data folder. */
export const API_LOCK_FILE = 'api.lock';

/** Another process holds the folder's lock. */
export class DataFolderInUseError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `Another API process is using the data folder ${dataDir} (BOOKING_DATA_DIR). The embedded stores take one API ` +
        'process per folder: stop the other one first, or use EventStoreDB and MongoDB for several replicas (docs/operations.md).',
    );
    this.name = 'DataFolderInUseError';
  }
}

/**
 * One API process per embedded data folder (docs/operations.md): each remembers assessment forms
 * for its commands and learns of changes only from its own appends, so a second process on the
 * folder would go on using a form the first archived. The lock is SQLite's own (a file lock the
 * OS drops when the process ends, even killed): a connection in exclusive locking mode keeps the
 * exclusive lock its first write transaction took until it closes. The CLI does not take it.
 */
export class DataFolderLock {
  private constructor(private readonly db: Database.Database) {}

  static acquire(dataDir: string): DataFolderLock {
    const db = new Database(join(dataDir, API_LOCK_FILE), { timeout: 0 });
    try {
      // The transaction writes nothing; a journal file would only stay behind in the folder.
      db.pragma('journal_mode = MEMORY');
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataFolderInUseError(dataDir);
      throw error;
    }
    return new DataFolderLock(db);
  }

  release(): void {
    this.db.close();
  }
}
