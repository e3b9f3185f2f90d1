import Database from 'better-sqlite3';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type Unsubscribe,
} from './event-store.js';
import { WalCheckpointer } from '../../sqlite-support/src/wal-checkpointer.js';

/** How long a connection waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    UNIQUE (stream_id, revision)
  );
  CREATE TABLE IF NOT EXISTS streams (
    stream_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

const EVENT_COLUMNS = 'stream_id, revision, position, type, data, metadata';

/** A row read in raw mode with safe integers: [stream_id, revision, position, type, data, metadata]. */
type EventRow = [string, bigint, bigint, string, string, string];

/**
 * The embedded event store: one SQLite file, safe to open from several processes (the API and a
 * standalone projector). Live notifications (`onAppended`) only cover appends made through this
 * instance; a reader in another process notices new events by polling `headPosition`, which is a
 * single index lookup.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly listeners = new Set<() => void>();
  private notificationPending = false;
  private readonly checkpointer: WalCheckpointer | null = null;

  private readonly selectStreamRevision: Database.Statement<[string], bigint>;
  private readonly insertEvent: Database.Statement<[string, bigint, string, string, string]>;
  private readonly upsertStream: Database.Statement<[string, bigint]>;
  private readonly selectStream: Database.Statement<[string, bigint], EventRow>;
  private readonly selectAllAfter: Database.Statement<[bigint, number], EventRow>;
  private readonly selectHead: Database.Statement<[], bigint | null>;
  private readonly appendInTransaction: Database.Transaction<
    (streamId: string, events: readonly NewEvent[], expected: ExpectedRevision) => AppendResult
  >;

  /**
   * `filePath` may be ':memory:' (unit tests). The folder must exist.
   * `durability`: with WAL and synchronous=NORMAL ('process', the default) a commit is in the WAL
   * file before `append` resolves, so it survives a killed process (the SIGKILL crash test proves
   * it), but the last commits may be lost if the OS crashes or the power fails. synchronous=FULL
   * ('power-loss') fsyncs on every commit: durable against that too, at the price of one fsync per
   * append on the event loop (hundreds of appends per second instead of tens of thousands).
   * `checkpoint`: 'inline' (the default) lets SQLite checkpoint inside the commits; 'background'
   * does it from a worker thread instead, for a long-running writer (see WalCheckpointer).
   */
  constructor(
    filePath: string,
    options: { durability?: 'process' | 'power-loss'; checkpoint?: 'inline' | 'background' } = {},
  ) {
    this.db = new Database(filePath, { timeout: BUSY_TIMEOUT_MS });
    // WAL lets the projector process read while the API writes.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'power-loss' ? 'FULL' : 'NORMAL'}`);
    this.db.exec(SCHEMA);
    if (options.checkpoint === 'background' && !this.db.memory) this.checkpointer = new WalCheckpointer(this.db);

    this.selectStreamRevision = this.db
      .prepare<[string], bigint>('SELECT revision FROM streams WHERE stream_id = ?')
      .pluck()
      .safeIntegers();
    this.insertEvent = this.db
      .prepare<[string, bigint, string, string, string]>(
        'INSERT INTO events (stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?)',
      )
      .safeIntegers();
    this.upsertStream = this.db.prepare<[string, bigint]>(
      'INSERT INTO streams (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision',
    );
    this.selectStream = this.db
      .prepare<[string, bigint], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision`,
      )
      .raw()
      .safeIntegers();
    this.selectAllAfter = this.db
      .prepare<[bigint, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      )
      .raw()
      .safeIntegers();
    this.selectHead = this.db
      .prepare<[], bigint | null>('SELECT max(position) FROM events')
      .pluck()
      .safeIntegers();
    this.appendInTransaction = this.db.transaction(this.appendRows.bind(this));
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error(`append to ${streamId} needs at least one event`);
    let result: AppendResult;
    try {
      // IMMEDIATE takes the write lock before reading the stream's revision: a deferred
      // transaction could read, lose the lock race to another process and fail with
      // SQLITE_BUSY_SNAPSHOT instead of waiting.
      result = this.appendInTransaction.immediate(streamId, events, expected);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new WrongExpectedRevisionError(streamId, expected, this.selectStreamRevision.get(streamId) ?? 'no_stream');
      }
      throw error;
    }
    this.scheduleNotification();
    return result;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    return this.selectStream.all(streamId, options.fromRevision ?? 0n).map(toStoredEvent);
  }

  async readAll({ after, limit }: ReadAllOptions): Promise<StoredEvent[]> {
    // Positions start at 1 (AUTOINCREMENT), so "after 0" is the whole log.
    return this.selectAllAfter.all(after ?? 0n, limit).map(toStoredEvent);
  }

  async headPosition(): Promise<bigint | null> {
    return this.selectHead.get() ?? null;
  }

  onAppended(listener: () => void): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.checkpointer?.close();
    // The last connection to close checkpoints the rest of the WAL and removes it.
    this.db.close();
  }

  private appendRows(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): AppendResult {
    const current = this.selectStreamRevision.get(streamId);
    if (!matches(expected, current)) {
      throw new WrongExpectedRevisionError(streamId, expected, current ?? 'no_stream');
    }
    let revision = current ?? -1n;
    let position = 0n;
    for (const event of events) {
      revision += 1n;
      const info = this.insertEvent.run(
        streamId,
        revision,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
      );
      position = info.lastInsertRowid as bigint;
    }
    this.upsertStream.run(streamId, revision);
    return { nextExpectedRevision: revision, position };
  }

  /** Listeners run once per burst of appends, after the commit, outside the caller's stack. */
  private scheduleNotification(): void {
    if (this.notificationPending || this.listeners.size === 0) return;
    this.notificationPending = true;
    queueMicrotask(() => {
      this.notificationPending = false;
      for (const listener of [...this.listeners]) listener();
    });
  }
}

function matches(expected: ExpectedRevision, current: bigint | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === undefined;
  return current === expected;
}

/**
 * Matched by code, not `instanceof SqliteError`: better-sqlite3 registers its error class on the
 * process-wide native addon only once, so a second copy of the module (e.g. another jest module
 * registry) throws errors of the first copy's class.
 */
function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function toStoredEvent([streamId, revision, position, type, data, metadata]: EventRow): StoredEvent {
  return {
    streamId,
    revision,
    position,
    type,
    data: JSON.parse(data) as Record<string, unknown>,
    metadata: JSON.parse(metadata) as EventMetadata,
  };
}
