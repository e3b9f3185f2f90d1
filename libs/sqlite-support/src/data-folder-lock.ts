import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { exclusiveFileLock } from './file-lock.js';

/** The file whose lock says an API process is using the data folder. */
export const API_LOCK_FILE = 'api.lock';
/** The file whose lock says a process is projecting into the folder's read store. */
const PROJECTOR_LOCK_FILE = 'projector.lock';

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

/** Another process projects into the folder's read store. */
export class ReadStoreProjectedElsewhereError extends Error {
  constructor(readonly dataDir: string) {
    super(
      `Another process is projecting into the read store in ${dataDir} (BOOKING_DATA_DIR): an API with BOOKING_RUN_PROJECTOR=true ` +
        'or a projector app. An embedded read store takes one projector: stop the other one, or start the API with ' +
        'BOOKING_RUN_PROJECTOR=false beside the projector app (docs/operations.md).',
    );
    this.name = 'ReadStoreProjectedElsewhereError';
  }
}

/**
 * One API process per embedded data folder (docs/operations.md): each remembers assessment forms
 * for its commands and learns of changes only from its own appends, so a second process on the
 * folder would go on using a form the first archived. The lock is SQLite's own, which the OS drops
 * when the process ends, even killed (file-lock.ts). The CLI does not take it.
 */
export class DataFolderLock {
  private constructor(private readonly db: Database.Database) {}

  static acquire(dataDir: string): DataFolderLock {
    const db = exclusiveFileLock(join(dataDir, API_LOCK_FILE), { create: true });
    if (db === null) throw new DataFolderInUseError(dataDir);
    return new DataFolderLock(db);
  }

  /**
   * One projector per embedded read store: the API's own (BOOKING_RUN_PROJECTOR=true) or the
   * projector app. Two would each apply every event (twice the work, each batch waiting for the
   * other's), and the API's read-your-writes follows only its own.
   */
  static acquireProjector(dataDir: string): DataFolderLock {
    const db = exclusiveFileLock(join(dataDir, PROJECTOR_LOCK_FILE), { create: true });
    if (db === null) throw new ReadStoreProjectedElsewhereError(dataDir);
    return new DataFolderLock(db);
  }

  release(): void {
    this.db.close();
  }
}
