/**
 * The embedded read store: SQLite through better-sqlite3, documents as JSON text.
 *
 * Two connections: batches read and write on the write connection inside one transaction, while
 * the store's own queries use a separate read-only connection, so they only ever see committed
 * batches (WAL lets both proceed at once). Everything that uses the write connection is queued,
 * so a batch's transaction never interleaves with another batch, a reset or a schema change.
 *
 * A batch holds the documents it changes in memory and writes each once (sqlite-session.ts);
 * the text index is brought up to date before its commit (sqlite-text-index.ts).
 *
 * `$contains` is a case-insensitive substring test: the folded needle in the folded text
 * (sqlite-text-fold.ts; a text field's search column holds its folded text). Needles of three or
 * more characters are first narrowed through an FTS5 trigram index, shorter ones through the
 * grams index (sqlite-grams.ts), then checked with the same substring test, so every path gives
 * identical results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { assertCollectionName, assertFieldName, checkpointText, type Clause } from './normalized-query.js';
import { type CollectionSpec, indexField, type ProjectionSession, type ReadStore } from './read-store.js';
import { SerialQueue } from './serial-queue.js';
import { Connection } from './sqlite-connection.js';
import { SqliteQueries } from './sqlite-queries.js';
import { CountCache } from './sqlite-count-cache.js';
import { registerGramsFunction } from './sqlite-grams.js';
import { registerFoldFunction } from './sqlite-text-fold.js';
import { TextIndexBuild } from './sqlite-text-index-build.js';
import { drainTextQueue, isSearchable } from './sqlite-text-index.js';
import { WalCheckpointer } from '../../sqlite-support/src/wal-checkpointer.js';
import { CHECKPOINTS_DDL, copyCheckpoints, copyCollectionRows, createDeclaredIndex, ensureCollectionSchema, indexServing, LayoutCache, readCheckpoint, readLayout, withoutTriggers } from './sqlite-schema.js';
import { VIEWS_DDL } from './sqlite-views.js';
import { quote } from './sqlite-query.js';
import { liftBulkFilledSegments } from './fts5-structure.js';
import { emptyRecentIndex, type RecentOptions } from './sqlite-recent-index.js';
import { MAX_HELD, SqliteSession, SqliteView } from './sqlite-session.js';

export interface SqliteReadStoreOptions {
  /**
   * The file is fresh storage for a rebuild, private to this process (a crash leaves it to be
   * thrown away): written without syncing or WAL, with a large page cache, and its indexes are
   * built once, at the end (`buildIndexes`), instead of row by row.
   */
  rebuild?: boolean;
  /**
   * For rebuild storage: its page size (default REBUILD_PAGE_SIZE). A new generation of the live
   * store is built at the live store's (LIVE_PAGE_SIZE): it becomes the live store as it is.
   */
  pageSize?: number;
  /** A batch drains a text queue once it holds this many rows (default TEXT_QUEUE_ROWS). */
  textQueueRows?: number;
  /** A text queue left shorter is drained once no batch has come for this long (default IDLE_DRAIN_MS). */
  idleDrainMs?: number;
  /** `buildIndexes` fills the text indexes of a collection this large on another thread (default THREADED_TEXT_ROWS). */
  threadedTextRows?: number;
  /** Below this many rows a recent index holds every row (default RECENT_MIN_ROWS, sqlite-recent-index.ts). */
  recentMinRows?: number;
}

/**
 * Rows a text queue collects before a batch drains it into the text indexes. Each drain costs a
 * new segment in both FTS5 tables at the commit, about 0.3 ms whatever its size, and a search only
 * tests queued rows as extra candidates (a few microseconds each).
 */
const TEXT_QUEUE_ROWS = 64;
/** At rest, queued rows are drained this soon after the last batch: searches then test none. */
const IDLE_DRAIN_MS = 250;

/**
 * The rebuild's pages, 16 KiB (SQLite's default is 4): a registration row of about 2.7 KB fills a
 * 4 KiB page alone, five or six share one of these, so the rebuild writes and copies far fewer
 * (copying a partition's rows: 140–160 → 60–90 ms at 10,000 registrations). A rebuild's
 * partitions have them; the generation that `projections rebuild` publishes as the live store does
 * not (LIVE_PAGE_SIZE).
 */
const REBUILD_PAGE_SIZE = 16_384;

/** SQLite's default, the live store's: a projector commit writes one 4 KiB page per row changed. */
export const LIVE_PAGE_SIZE = 4096;

/** The rebuild's page cache (negative: KiB), 256 MiB: a large log's row indexes stay in memory. */
const REBUILD_CACHE_KIB = -262_144;

/**
 * A rebuild's end (copying partitions in, building indexes) reads whole tables, through a memory
 * map of up to this size (SQLite's build caps it at 2 GiB): pages past the page cache are then read
 * without a system call and a copy each. At 100,000 registrations (a 380 MB file, larger than the
 * cache) a scan of the table (each index build is one) took 135–151 ms with reads and 66–83 with
 * the map. Not during the replay: its pages fit in the cache (at 100k) and are mostly written.
 */
const SCAN_MMAP_BYTES = 2 ** 31;

/**
 * While a rebuild defers a collection's indexes, a batch's query on it (a projection's `updateMany`,
 * `find` or `count`) tests every row of a table up to this size; on a larger one it first builds
 * the one declared index that serves the query (`indexServing`), the rest still wait: each index
 * kept up to date costs every later row written, the text indexes most (a retitle early in the
 * bench's log made both threads keep all of them for most of the replay, and the partition's copy
 * too). A replay mostly queries a collection early, while it is still small (a catalog entry
 * defined before the rows that show it): those scans cost microseconds.
 */
const SCANNED_ROWS = 256;

/**
 * Documents a rebuild's batch holds before it writes them out early (the live store's batches keep
 * the session's default, MAX_HELD): a partition's replay batch (200,000 positions) changes
 * documents many times each, and writing them out at 10,000 held meant reading, re-serialising and
 * rewriting them again within the batch (at 1,000,000 registrations, most exam events' documents).
 */
const REBUILD_MAX_HELD = 100_000;

/**
 * Rows from which a rebuild's index build fills a collection's text indexes on another thread
 * (sqlite-text-index-build.ts). Measured with the grams index alone there: the thread costs about
 * 0.25 s of CPU more in all (its start, the copy of the text fields, the copy of the index), and
 * its fill about 20 µs per row while this thread builds the rest in about as much: at 12,954 rows
 * it took this thread's part from 0.34–0.47 to 0.22–0.29 s of CPU, but the thread's own path was
 * no shorter than the whole build in place. With the trigram index there too, at 38,926 rows (a
 * log of 197,560 events): `projections rebuild` 2.6–2.7 s against 2.6–3.0 s, four pairs.
 */
const THREADED_TEXT_ROWS = 20_000;

/** A collection's indexes while a rebuild defers them: its spec, and the declared ones built already (fields joined). */
interface DeferredIndexes {
  spec: CollectionSpec;
  built: Set<string>;
}

export class SqliteReadStore extends SqliteQueries implements ReadStore {
  private readonly writer: Connection;
  private readonly reader: Connection;
  private readonly checkpointer: WalCheckpointer | null;
  protected readonly view: SqliteView;
  private readonly layouts: LayoutCache;
  /** Every use of the write connection, in order. */
  private readonly writes = new SerialQueue();
  /** `:memory:` lives in a private temporary file: the read connection needs a file to share. */
  private readonly temporaryDir: string | null;
  /**
   * In a rebuild, the collections whose indexes wait for `buildIndexes`, each with the names of the
   * declared ones a query needed earlier.
   */
  private deferred: Map<string, DeferredIndexes> | null;
  private readonly textQueueRows: number;
  private readonly recent: RecentOptions;
  private readonly idleDrainMs: number;
  private readonly threadedTextRows: number;
  private idleDrain: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly rebuildStorage: boolean;
  private readonly path: string;

  /** `file` is a database path, or `:memory:` for a throwaway store. */
  constructor(file: string, options: SqliteReadStoreOptions = {}) {
    super();
    this.deferred = options.rebuild ? new Map() : null;
    this.rebuildStorage = options.rebuild ?? false;
    this.textQueueRows = options.textQueueRows ?? TEXT_QUEUE_ROWS;
    this.recent = { minRows: options.recentMinRows };
    this.idleDrainMs = options.idleDrainMs ?? IDLE_DRAIN_MS;
    this.threadedTextRows = options.threadedTextRows ?? THREADED_TEXT_ROWS;
    this.temporaryDir = file === ':memory:' ? mkdtempSync(join(tmpdir(), 'read-store-')) : null;
    const path = (this.path = this.temporaryDir ? join(this.temporaryDir, 'read.sqlite') : file);

    const writer = new Database(path);
    this.layouts = new LayoutCache(writer, 'ensureCollections first');
    if (options.rebuild) {
      // Fresh storage that only this process uses, thrown away whole if a crash interrupts the
      // rebuild: larger pages (set before the first table), no syncs, and no WAL (each page is
      // written once, not again by checkpoints; the journal in memory still rolls a failed batch
      // back). A large cache keeps a large rebuild's indexes in memory.
      writer.pragma(`page_size = ${options.pageSize ?? REBUILD_PAGE_SIZE}`);
      writer.pragma('journal_mode = MEMORY');
      writer.pragma('synchronous = OFF');
      writer.pragma(`cache_size = ${REBUILD_CACHE_KIB}`);
    } else {
      writer.pragma('journal_mode = WAL');
      // In WAL mode NORMAL stays consistent; a power cut may lose the last batches, and with them
      // their checkpoint, so projections replay them.
      writer.pragma('synchronous = NORMAL');
    }
    writer.pragma('busy_timeout = 5000');
    // Sorting a page (ORDER BY, rid IN (…)) builds temporary b-trees; in a file each costs ~50 µs.
    writer.pragma('temp_store = MEMORY');
    registerGramsFunction(writer);
    registerFoldFunction(writer);
    writer.exec(CHECKPOINTS_DDL);
    writer.exec(VIEWS_DDL);
    // Its catch-up checkpoint waits for the batch in progress: a transaction spans awaits.
    this.checkpointer = options.rebuild
      ? null
      : new WalCheckpointer(writer, { onWriter: (checkpoint) => void this.writes.run(async () => checkpoint()) });
    const reader = new Database(path, { readonly: true, fileMustExist: true });
    reader.pragma('busy_timeout = 5000');
    reader.pragma('temp_store = MEMORY');
    registerFoldFunction(reader);

    this.writer = new Connection(writer);
    this.reader = new Connection(reader);
    this.view = new SqliteView(this.reader, this.layouts.of, new CountCache(this.reader));
  }

  missingCollections(collections: readonly string[]): Promise<readonly string[]> {
    collections.forEach(assertCollectionName);
    return this.writes.run(async () => collections.filter((name) => readLayout(this.writer.db, name) === null));
  }

  ensureCollections(specs: readonly CollectionSpec[]): Promise<void> {
    for (const spec of specs) {
      assertCollectionName(spec.name);
      spec.indexes.flat().forEach((f) => assertFieldName(indexField(f).field));
      spec.textFields?.forEach(assertFieldName);
      for (const [view, fields] of Object.entries(spec.views ?? {})) [view, ...fields].forEach(assertFieldName);
    }
    return this.writes.run(async () => {
      this.layouts.forget();
      const filled: string[] = [];
      this.transaction(() => {
        for (const spec of specs) {
          this.deferred?.set(spec.name, { spec, built: new Set() });
          filled.push(...ensureCollectionSchema(this.writer.db, spec, { indexes: this.deferred === null, recent: this.recent }));
        }
        // Picks up rows queued by writers that did not drain (e.g. a tool copying rows).
        specs.forEach((spec) => this.layouts.of(spec.name));
        this.drainTextQueues();
      });
      // A text index made for rows already there (a text field added by an upgrade) is filled in
      // one statement, as a rebuild's index build fills them: the same placement of its segments.
      if (filled.length > 0) liftBulkFilledSegments(this.path, filled);
    });
  }

  /**
   * For a store opened with `rebuild`: builds the indexes it deferred (declared and text), each in
   * one pass over the rows, far cheaper than keeping them up to date row by row; from then on they
   * are kept up to date. Until then, queries test every row: same answers, slower.
   */
  buildIndexes(): Promise<void> {
    return this.writes.run(async () => {
      if (!this.deferred) return;
      this.mapForScans();
      // A large collection's text indexes are filled on a thread of its own meanwhile and copied in
      // after the commit (sqlite-text-index-build.ts). Until then they are empty: rebuild storage is
      // the rebuild's alone, whose batches wait in this queue, and nothing else queries it yet.
      const textBuilds = new Map<string, TextIndexBuild>();
      try {
        for (const { spec } of this.deferred.values()) {
          const textFields = [...new Set(spec.textFields ?? [])];
          if (textFields.length === 0 || this.rowsOf(spec.name) < this.threadedTextRows) continue;
          textBuilds.set(spec.name, TextIndexBuild.start(this.writer.db, `${this.path}.texts-${spec.name}`, spec.name, textFields));
        }
        const filled: string[] = [];
        this.transaction(() => {
          for (const name of [...this.deferred!.keys()]) filled.push(...this.buildIndexesOf(name, { fillTexts: !textBuilds.has(name) }));
        });
        this.deferred = null;
        for (const build of textBuilds.values()) {
          await build.adoptInto(this.path);
          filled.push(...build.tables);
        }
        // Filled in one statement each: their segments go where live writes will not merge them whole.
        liftBulkFilledSegments(this.path, filled);
      } finally {
        await Promise.all([...textBuilds.values()].map((build) => build.discard()));
      }
    });
  }

  /**
   * Adds every document of these collections from another read-store file (a rebuild's partition,
   * whose documents this store does not hold) in one transaction, in that file's row order, with
   * that file's checkpoints of `projections` (those it holds every document of).
   */
  copyDocumentsFrom(file: string, collections: readonly string[], projections: readonly string[] = []): Promise<void> {
    return this.writes.run(async () => {
      // Before attaching: the partition's file is mapped too.
      this.mapForScans();
      // Outside the transaction: SQLite attaches and detaches only there.
      this.writer.db.prepare('ATTACH DATABASE ? AS partition').run(file);
      try {
        this.transaction(() => {
          for (const collection of collections) copyCollectionRows(this.writer.db, 'partition', collection);
          const missing = copyCheckpoints(this.writer.db, 'partition', projections);
          // A replay that never committed: its documents are not all there either.
          if (missing.length > 0) throw new Error(`${file} holds no checkpoint of ${missing.join(', ')}: nothing was copied from it`);
          this.drainTextQueues();
        });
      } finally {
        this.writer.db.exec('DETACH DATABASE partition');
      }
    });
  }

  /** For rebuild storage, from its end on: see SCAN_MMAP_BYTES. */
  private mapForScans(): void {
    if (this.rebuildStorage) this.writer.db.pragma(`mmap_size = ${SCAN_MMAP_BYTES}`);
  }

  /** On the write connection, inside its transaction; the text indexes it filled. */
  private buildIndexesOf(collection: string, { fillTexts = true } = {}): readonly string[] {
    const filled = ensureCollectionSchema(this.writer.db, this.deferred!.get(collection)!.spec, { fillTexts, recent: this.recent });
    this.deferred!.delete(collection);
    this.layouts.forget(collection);
    return filled;
  }

  /** About how many rows a collection holds (row ids only grow: the largest bounds the count in one index lookup). */
  private rowsOf(collection: string): number {
    return (this.writer.statement(`SELECT max(rid) FROM ${quote(this.layouts.of(collection).table)}`).pluck().get() as number | null) ?? 0;
  }

  /** Before a batch queries a collection whose indexes wait: past SCANNED_ROWS, the index it needs is built now. */
  private readonly beforeQuery = (collection: string, clauses: readonly Clause[]): void => {
    const deferred = this.deferred?.get(collection);
    if (!deferred) return;
    const fields = indexServing(deferred.spec, clauses);
    if (fields === null || deferred.built.has(fields.join())) return;
    if (this.rowsOf(collection) <= SCANNED_ROWS) return;
    createDeclaredIndex(this.writer.db, deferred.spec, fields);
    deferred.built.add(fields.join());
  };

  runBatch(projections: string | readonly string[], work: (session: ProjectionSession) => Promise<bigint>): Promise<void> {
    const names = typeof projections === 'string' ? [projections] : projections;
    return this.writes.run(async () => {
      const session = new SqliteSession(this.writer, this.layouts.of, this.beforeQuery, this.rebuildStorage ? REBUILD_MAX_HELD : MAX_HELD);
      // Indexes a failing batch built (a rebuild's early query) roll back with it: still to build.
      const deferred = this.deferred && new Map([...this.deferred].map(([name, { spec, built }]) => [name, { spec, built: new Set(built) }]));
      this.writer.statement('BEGIN IMMEDIATE').run();
      try {
        const position = await work(session);
        session.flush();
        const leftQueued = this.drainTextQueues(this.textQueueRows);
        const saveCheckpoint = this.writer.statement(
          'INSERT INTO projection_checkpoints (projection, position) VALUES (?, ?) ' +
            'ON CONFLICT (projection) DO UPDATE SET position = excluded.position',
        );
        for (const name of names) saveCheckpoint.run(name, checkpointText(position));
        this.writer.statement('COMMIT').run();
        if (leftQueued) this.drainWhenIdle();
      } catch (error) {
        // SQLite may already have rolled back on its own (e.g. disk full).
        if (this.writer.db.inTransaction) this.writer.statement('ROLLBACK').run();
        if (deferred) this.deferred = deferred;
        throw error;
      } finally {
        session.end();
      }
    });
  }

  async getCheckpoint(projection: string): Promise<bigint | null> {
    return readCheckpoint(this.reader, projection);
  }

  /** One read transaction of the reader connection, which this store's reads all use. */
  async readSnapshot<T>(work: () => Promise<T>): Promise<T> {
    this.reader.statement('BEGIN').run();
    try {
      return await work();
    } finally {
      if (this.reader.db.inTransaction) this.reader.statement('COMMIT').run();
    }
  }

  reset(projection: string, collections: readonly string[]): Promise<void> {
    collections.forEach(assertCollectionName);
    return this.writes.run(async () => {
      this.transaction(() => {
        for (const collection of collections) {
          // A collection that was never created has nothing to drop.
          const layout = readLayout(this.writer.db, collection);
          if (!layout) continue;
          // Emptied without firing the text queue's triggers: the text indexes are emptied whole below.
          withoutTriggers(this.writer.db, layout.table, () => this.writer.db.exec(`DELETE FROM ${quote(layout.table)}`));
          if (!isSearchable(layout)) continue;
          this.writer.db.exec(`INSERT INTO ${quote(layout.ftsTable)} (${quote(layout.ftsTable)}) VALUES ('delete-all')`);
          this.writer.db.exec(`INSERT INTO ${quote(layout.gramsTable)} (${quote(layout.gramsTable)}) VALUES ('delete-all')`);
          this.writer.db.exec(`DELETE FROM ${quote(layout.ftsQueue)}`);
          if (layout.recentTables !== null) emptyRecentIndex(this.writer.db, layout);
        }
        this.writer.statement('DELETE FROM projection_checkpoints WHERE projection = ?').run(projection);
      });
    });
  }

  async close(): Promise<void> {
    // A batch still running may leave rows queued: no drain is scheduled from now on (they stay
    // queued in the file, search candidates until a later batch drains them).
    this.closing = true;
    await this.writes.idle();
    if (this.idleDrain) clearTimeout(this.idleDrain);
    await this.checkpointer?.close();
    this.reader.db.close();
    this.writer.db.close();
    if (this.temporaryDir) rmSync(this.temporaryDir, { recursive: true, force: true });
  }

  /**
   * Brings the text index of every collection this store has used up to date, where at least
   * `minRows` rows wait; whether some queue was left shorter.
   */
  private drainTextQueues(minRows = 1): boolean {
    let leftQueued = false;
    for (const layout of this.layouts.read()) if (isSearchable(layout)) leftQueued = drainTextQueue(this.writer, layout, minRows, this.recent) || leftQueued;
    return leftQueued;
  }

  /** (Re)starts the wait after which the rows batches left queued are drained, in a transaction of their own. */
  private drainWhenIdle(): void {
    if (this.closing) return;
    if (this.idleDrain) clearTimeout(this.idleDrain);
    this.idleDrain = setTimeout(() => {
      this.idleDrain = null;
      // A failure (e.g. the file busy) leaves the rows queued for the next batch to drain.
      this.writes.run(async () => this.transaction(() => this.drainTextQueues())).catch(() => undefined);
    }, this.idleDrainMs);
    this.idleDrain.unref();
  }

  private transaction(body: () => void): void {
    this.writer.db.transaction(body).immediate();
  }
}
