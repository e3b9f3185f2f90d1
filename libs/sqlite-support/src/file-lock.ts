import Database from 'better-sqlite3';

/**
 * An exclusive lock on `file`, taken at once or not at all (null: another connection holds it):
 * SQLite's own file lock, which the OS drops when the process ends, even killed. A connection in
 * exclusive locking mode keeps the lock its first write transaction took until it closes. The file
 * holds no data; it is created unless `create` is false (then null when it is missing).
 */
export function exclusiveFileLock(file: string, { create }: { create: boolean }): Database.Database | null {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 0, fileMustExist: !create });
  } catch (error) {
    if (!create && (error as { code?: string }).code === 'SQLITE_CANTOPEN') return null;
    throw error;
  }
  try {
    // The transaction writes nothing; a journal file would only stay behind.
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    return db;
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return null;
    throw error;
  }
}
