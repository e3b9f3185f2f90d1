import { accessSync, constants, existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  EventStoreUnavailableError,
  MAX_POSITION,
  MIN_POSITION,
  UnreadableEventError,
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
import { damagedFileCode } from '../../sqlite-support/src/damaged-file.js';

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
  -- How far each reactor has acted on the log (position NULL: from the beginning); not events.
  CREATE TABLE IF NOT EXISTS subscriber_checkpoints (
    subscriber TEXT PRIMARY KEY,
    position INTEGER
  ) WITHOUT ROWID;
`;

const EVENT_COLUMNS = 'stream_id, revision, position, type, data, metadata';

/**
 * `LIMIT +?`, not `LIMIT ?`: SQLite (3.51 here) may plan with the value bound to a bare `LIMIT ?`,
 * so each new binding makes it prepare the statement again (10–20 µs a read); `+?` is an
 * expression it reads only at run time. The plans here do not depend on the limit (a row id range).
 */
const LIMIT = 'LIMIT +?';

const HEX_DIGITS = '0123456789abcdef';

/**
 * The embedded event store's file is damaged. Unlike the read models it cannot be rebuilt: it is
 * the record. Said in one line with the repair, a restore from a backup.
 */
export class DamagedEventStoreError extends EventStoreUnavailableError {
  /** One for `cause` when SQLite called the file damaged (its code), else null. */
  static of(file: string, cause: unknown): DamagedEventStoreError | null {
    const code = damagedFileCode(cause);
    if (code === null) return null;
    return new DamagedEventStoreError(
      `The event store ${file} is damaged (${code}: ${(cause as Error).message}). It is the service's record and cannot be rebuilt: ` +
        'stop the API, put its latest backup in place and check it with `audit verify` (docs/operations.md, "Backups of the embedded store").',
    );
  }

  constructor(message: string) {
    super(message);
    this.name = 'DamagedEventStoreError';
  }
}

/**
 * SQLite reads a WAL store through its `-wal` and `-shm` files, and creates them when they are
 * missing. In a write-protected folder it cannot, so a copy of the folder taken without them (a
 * cold backup) cannot be read in place; present, empty or not, they need not be writable.
 */
function openForReading(filePath: string): Database.Database {
  if (!existsSync(filePath)) throw new EventStoreUnavailableError(`No event store at ${filePath}`);
  const db = new Database(filePath, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    // The first read opens the WAL files.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    db.close();
    const damaged = DamagedEventStoreError.of(filePath, error);
    if (damaged) throw damaged;
    if (!isWritable(dirname(filePath))) {
      throw new EventStoreUnavailableError(
        `Cannot read ${filePath}: its folder is write-protected and SQLite needs ${basename(filePath)}-wal and ` +
          `${basename(filePath)}-shm beside it to read a WAL store. Copy the folder somewhere writable, ` +
          'or add those two files to the copy (empty ones will do) (SQLite: ' + (error as Error).message + ')',
      );
    }
    throw error;
  }
}

/** The store opened for appends, made if missing; a damaged file is said to be one (DamagedEventStoreError). */
function openForWriting(filePath: string, durability: 'process' | 'power-loss' | undefined): Database.Database {
  const db = new Database(filePath, { timeout: BUSY_TIMEOUT_MS });
  try {
    // WAL lets the projector process read while the API writes.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${durability === 'power-loss' ? 'FULL' : 'NORMAL'}`);
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db.close();
    throw DamagedEventStoreError.of(filePath, error) ?? error;
  }
}

/**
 * The first position a read `after` covers (inclusive), or null past the last one there can be.
 * SQLite numbers events from 1, but a row written into the file by other means may have any
 * 64-bit position: the whole log starts at the smallest, or such an event would be read by its
 * stream (commands, history) and by nothing that reads the log (audit verify, the seal, export).
 */
function firstPositionAfter(after: bigint | undefined): bigint | null {
  if (after === undefined) return MIN_POSITION;
  return after >= MAX_POSITION ? null : after + 1n;
}

function isWritable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A stream's bucket, 1–16 by the last character of its id when that is a lower-case hex digit (as
 * the last character of a random UUID is, uniformly), else 0. `STREAM_BUCKET_SQL` is the same.
 */
export function streamBucket(streamId: string): number {
  return HEX_DIGITS.indexOf(streamId.charAt(streamId.length - 1)) + 1;
}

const STREAM_BUCKET_SQL = `instr('${HEX_DIGITS}', substr(stream_id, -1))`;

/**
 * Streams starting with `streamPrefix` whose bucket is within `buckets` (inclusive), all other
 * streams, and from any stream the events of `alsoTypes`.
 */
export interface StreamPart {
  streamPrefix: string;
  buckets: readonly [number, number];
  alsoTypes?: readonly string[];
}

/** The parameters of a read of part of the log. */
interface PartRange {
  first: bigint;
  last: bigint;
  prefix: string;
  from: number;
  to: number;
  /** A JSON array. */
  types: string;
}

/** A row read in raw mode with safe integers: [stream_id, revision, position, type, data, metadata]. */
type EventRow = [string, bigint, bigint, string, string, string];

/** An append waiting for the next group commit. */
interface PendingAppend {
  streamId: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** What became of one append of a group: its result, or the error its caller gets. */
type Outcome = { result: AppendResult } | { error: unknown };

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
  private readonly selectStream: Database.Statement<[string, bigint, number], EventRow>;
  private readonly selectAllAfter: Database.Statement<[bigint, number], EventRow>;
  private readonly selectHead: Database.Statement<[], bigint | null>;
  private readonly selectBatchEnd: Database.Statement<[bigint, number], bigint | null>;
  private readonly selectPartAfter: Database.Statement<[PartRange], EventRow>;
  private readonly selectTypesAfter: Database.Statement<[{ first: bigint; last: bigint; types: string }], EventRow>;
  /** Prepared at the first save: a read-only store (an auditor's copy) may predate the table. */
  private checkpointWriter: Database.Statement<[string, bigint | null]> | undefined;
  private readonly appendInTransaction: Database.Transaction<
    (streamId: string, events: readonly NewEvent[], expected: ExpectedRevision) => AppendResult
  >;
  private readonly appendGroup: Database.Transaction<(group: readonly PendingAppend[]) => Outcome[]>;
  /** Appends made since the last group commit; committed together on the next turn of the event loop. */
  private pending: PendingAppend[] = [];

  /**
   * `filePath` may be ':memory:' (unit tests). The folder must exist.
   * `durability`: with WAL and synchronous=NORMAL ('process', the default) a commit is in the WAL
   * file before `append` resolves, so it survives a killed process (the SIGKILL crash test proves
   * it), but the last commits may be lost if the OS crashes or the power fails. synchronous=FULL
   * ('power-loss') fsyncs on every commit: durable against that too, at the price of one fsync per
   * commit on the event loop (hundreds of commits per second instead of tens of thousands; a group
   * commit holds all the appends of a turn).
   * `checkpoint`: 'inline' (the default) lets SQLite checkpoint inside the commits; 'background'
   * does it from a worker thread instead, for a long-running writer (see WalCheckpointer).
   * `readOnly`: an existing store, opened without writing to it (an auditor's copy); appends fail.
   */
  constructor(
    filePath: string,
    options: { durability?: 'process' | 'power-loss'; checkpoint?: 'inline' | 'background'; readOnly?: boolean } = {},
  ) {
    if (options.readOnly) {
      this.db = openForReading(filePath);
    } else {
      this.db = openForWriting(filePath, options.durability);
      if (options.checkpoint === 'background' && !this.db.memory) this.checkpointer = new WalCheckpointer(this.db);
    }

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
      .prepare<[string, bigint, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ${LIMIT}`,
      )
      .raw()
      .safeIntegers();
    this.selectAllAfter = this.db
      .prepare<[bigint, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE position >= ? ORDER BY position ${LIMIT}`,
      )
      .raw()
      .safeIntegers();
    this.selectHead = this.db
      .prepare<[], bigint | null>('SELECT max(position) FROM events')
      .pluck()
      .safeIntegers();
    this.selectBatchEnd = this.db
      .prepare<[bigint, number], bigint | null>(`SELECT max(position) FROM (SELECT position FROM events WHERE position >= ? ORDER BY position ${LIMIT})`)
      .pluck()
      .safeIntegers();
    this.selectPartAfter = this.db
      .prepare<[PartRange], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE position >= @first AND position <= @last ` +
          `AND (substr(stream_id, 1, length(@prefix)) <> @prefix OR ${STREAM_BUCKET_SQL} BETWEEN @from AND @to ` +
          `OR type IN (SELECT value FROM json_each(@types))) ORDER BY position`,
      )
      .raw()
      .safeIntegers();
    this.selectTypesAfter = this.db
      .prepare<[{ first: bigint; last: bigint; types: string }], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE position >= @first AND position <= @last ` +
          'AND type IN (SELECT value FROM json_each(@types)) ORDER BY position',
      )
      .raw()
      .safeIntegers();
    this.appendInTransaction = this.db.transaction(this.appendRows.bind(this));
    this.appendGroup = this.db.transaction(this.appendEach.bind(this));
  }

  /**
   * Group commit: the appends made in one turn of the event loop (under load, those of several
   * concurrent commands) are committed in one transaction on the next turn, which writes the
   * shared pages to the WAL once instead of once per append (and, with 'power-loss', syncs once).
   * Each is still checked against its own expected revision and fails alone; each resolves only
   * once its transaction has committed. A read here of a stream with a pending append commits the
   * group first, so that this process sees its appends as soon as they are made, as it did when
   * each append committed at once (a command deciding on a stream another has just appended to
   * must see that append, not conflict with it, or miss it: see the exam-event cancel race test).
   */
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error(`append to ${streamId} needs at least one event`));
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.commitPending());
      this.pending.push({ streamId, events, expected, resolve, reject });
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    if (this.pending.some((append) => append.streamId === streamId)) this.commitPending();
    // A negative limit is none.
    return this.selectStream.all(streamId, options.fromRevision ?? 0n, options.maxCount ?? -1).map(toStoredEvent);
  }

  async readAll({ after, limit }: ReadAllOptions): Promise<StoredEvent[]> {
    this.commitPending();
    const first = firstPositionAfter(after);
    return first === null ? [] : this.selectAllAfter.all(first, limit).map(toStoredEvent);
  }

  /**
   * `readAll` for a reader that needs only part of some streams (a rebuild's partition): the
   * events of streams starting with `part.streamPrefix` are left out unless their bucket
   * (`streamBucket`) is within `part.buckets` or their type is one of `part.alsoTypes`, without
   * reading them into JavaScript. `last` is
   * the position the read reached (null: nothing after `after`), for the reader to go on from.
   */
  async readAllOfPart({ after, limit }: ReadAllOptions, part: StreamPart): Promise<{ events: StoredEvent[]; last: bigint | null }> {
    this.commitPending();
    const first = firstPositionAfter(after);
    const last = first === null ? null : (this.selectBatchEnd.get(first, limit) ?? null);
    if (first === null || last === null) return { events: [], last };
    const [from, to] = part.buckets;
    return { events: this.selectPartAfter.all({ first, last, prefix: part.streamPrefix, from, to, types: JSON.stringify(part.alsoTypes ?? []) }).map(toStoredEvent), last };
  }

  async readTypes({ after, limit }: ReadAllOptions, types: readonly string[]): Promise<{ events: StoredEvent[]; last: bigint | null }> {
    this.commitPending();
    const first = firstPositionAfter(after);
    const last = first === null ? null : (this.selectBatchEnd.get(first, limit) ?? null);
    if (first === null || last === null) return { events: [], last };
    return { events: this.selectTypesAfter.all({ first, last, types: JSON.stringify(types) }).map(toStoredEvent), last };
  }

  async loadCheckpoint(subscriber: string): Promise<bigint | null | undefined> {
    const row = this.db.prepare<[string], { position: bigint | null }>('SELECT position FROM subscriber_checkpoints WHERE subscriber = ?').safeIntegers().get(subscriber);
    return row === undefined ? undefined : row.position;
  }

  async saveCheckpoint(subscriber: string, position: bigint | null): Promise<void> {
    this.commitPending();
    this.checkpointWriter ??= this.db.prepare<[string, bigint | null]>(
      'INSERT INTO subscriber_checkpoints (subscriber, position) VALUES (?, ?) ON CONFLICT (subscriber) DO UPDATE SET position = excluded.position',
    );
    this.checkpointWriter.run(subscriber, position);
  }

  async headPosition(): Promise<bigint | null> {
    this.commitPending();
    return this.selectHead.get() ?? null;
  }

  async *recordedStreamRevisions(): AsyncIterable<{ streamId: string; revision: bigint }> {
    this.commitPending();
    const rows = this.db.prepare<[], [string, bigint]>('SELECT stream_id, revision FROM streams').raw().safeIntegers().iterate();
    for (const [streamId, revision] of rows) yield { streamId, revision };
  }

  onAppended(listener: () => void): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.commitPending();
    this.listeners.clear();
    await this.checkpointer?.close();
    // The last connection to close checkpoints the rest of the WAL and removes it.
    this.db.close();
  }

  private commitPending(): void {
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    let outcomes: Outcome[];
    try {
      // IMMEDIATE takes the write lock before reading the streams' revisions: a deferred
      // transaction could read, lose the lock race to another process and fail with
      // SQLITE_BUSY_SNAPSHOT instead of waiting.
      outcomes = group.length === 1 ? [this.appendAlone(group[0])] : this.appendGroup.immediate(group);
    } catch (error) {
      // The group's transaction failed (e.g. the write lock was not had in time): nothing was committed.
      for (const append of group) append.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => ('result' in outcome ? group[i].resolve(outcome.result) : group[i].reject(outcome.error)));
    if (outcomes.some((outcome) => 'result' in outcome)) this.scheduleNotification();
  }

  /** A group of one needs no savepoint: it has the transaction to itself. */
  private appendAlone(append: PendingAppend): Outcome {
    return this.outcome(append, () => this.appendInTransaction.immediate(append.streamId, append.events, append.expected));
  }

  /** Inside the group's transaction: each append in its own savepoint, so that a failed one leaves the others. */
  private appendEach(group: readonly PendingAppend[]): Outcome[] {
    return group.map((append) => {
      const outcome = this.outcome(append, () => this.appendInTransaction(append.streamId, append.events, append.expected));
      // An error that ended the whole transaction (disk full, I/O) fails the whole group.
      if ('error' in outcome && !this.db.inTransaction) throw outcome.error;
      return outcome;
    });
  }

  /** What the caller of `append` gets: its result, or its error (a unique violation is the conflict it means). */
  private outcome({ streamId, expected }: PendingAppend, write: () => AppendResult): Outcome {
    try {
      return { result: write() };
    } catch (error) {
      return { error: isUniqueViolation(error) ? this.conflict(streamId, expected) : error };
    }
  }

  private conflict(streamId: string, expected: ExpectedRevision): WrongExpectedRevisionError {
    return new WrongExpectedRevisionError(streamId, expected, this.selectStreamRevision.get(streamId) ?? 'no_stream');
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

function toStoredEvent(row: EventRow): StoredEvent {
  const [streamId, revision, position, type, data, metadata] = row;
  return {
    streamId,
    revision,
    position,
    type,
    data: parsedPart(row, data, 'data') as Record<string, unknown>,
    metadata: parsedPart(row, metadata, 'metadata') as EventMetadata,
  };
}

/** A row's data or metadata; text that is not JSON names the event (the store never writes any). */
function parsedPart([streamId, revision, position]: EventRow, text: string, part: 'data' | 'metadata'): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UnreadableEventError(streamId, revision, position, part);
  }
}
