/**
 * Switch-over for the embedded read store: the rebuild is built as the next generation of the
 * read store, a file of its own (read-store-generations.ts), which is then made a complete live
 * store and published by pointing `read.sqlite` at it. Nothing locks the live store: the running
 * API's projector notices the new link within its poll (a second), catches the new generation up
 * from its own checkpoints (it may be behind the live one: the log is the truth), and moves its
 * reads over (projector.worker.ts).
 *
 * With some projections only (`--projection`), the new generation also gets the others'
 * collections and checkpoints, copied from the live store in one read transaction: a consistent
 * snapshot, which the live writer does not wait for (WAL).
 */
import { openShadowTableWriter } from '../../../read-model/src/sqlite-connection.js';
import { basename } from 'node:path';
import type { Projection } from '../../../read-model/src/projection.js';
import type { ReadStore } from '../../../read-model/src/read-store.js';
import { publishGeneration, removeReadStoreFile, type ReservedGeneration, reserveGeneration, syncFile } from '../../../read-model/src/read-store-generations.js';
import { LIVE_PAGE_SIZE, SqliteReadStore } from '../../../read-model/src/sqlite-read-store.js';
import { registerGramsFunction } from '../../../read-model/src/sqlite-grams.js';
import { replaceCollection } from '../../../read-model/src/sqlite-schema.js';
import { tableName } from '../../../read-model/src/sqlite-query.js';
import type { EventStore } from '../../../event-store/src/event-store.js';
import { rebuildInParallel } from './parallel-rebuild.js';
import { catchUp, type SwitchOver } from './projection-rebuild.js';

export class SqliteSwitchOver implements SwitchOver {
  readonly fresh: ReadStore;
  private readonly freshStore: SqliteReadStore;
  /** The new generation, locked while it is built. */
  private readonly reserved: ReservedGeneration;
  private freshClosed = false;
  private published = false;
  /** The build's partition files, still being removed while the indexes are built. */
  private partitionsRemoved: Promise<void> = Promise.resolve();

  constructor(
    /** `read.sqlite`: the live store, by the name that links to its current generation. */
    private readonly livePath: string,
    dataDir: string,
    /** The projections not rebuilt: their collections and checkpoints are copied from the live store. */
    private readonly others: readonly Projection[],
    /** The log's file when it is an embedded store: the build then runs on several threads. */
    private readonly eventsFile?: string,
  ) {
    this.reserved = reserveGeneration(dataDir);
    try {
      // At the live store's page size: the file becomes the live store as it is.
      this.fresh = this.freshStore = new SqliteReadStore(this.freshPath, { rebuild: true, pageSize: LIVE_PAGE_SIZE });
    } catch (error) {
      removeReadStoreFile(this.freshPath);
      this.reserved.release();
      throw error;
    }
  }

  /** The new generation's file. */
  private get freshPath(): string {
    return this.reserved.file;
  }

  async build(eventStore: EventStore, projections: readonly Projection[], target: bigint | null, signal?: AbortSignal): Promise<void> {
    if (this.eventsFile === undefined) return catchUp(eventStore, this.fresh, projections, target, signal);
    const { partitionsRemoved } = await rebuildInParallel({
      eventStore,
      eventsFile: this.eventsFile,
      store: this.freshStore,
      storeFile: this.freshPath,
      projections,
      target,
      signal,
    });
    this.partitionsRemoved = partitionsRemoved;
  }

  /**
   * Publishes the new generation; the live one is left to the running API (or its next start) to
   * remove. Until it publishes, nothing live has changed: `signal` stops its catch-ups, and it is
   * checked once more just before publishing.
   */
  async switchOver(
    projections: readonly Projection[],
    catchUp: (projections: readonly Projection[], target?: bigint, signal?: AbortSignal) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<string> {
    // What the log gained during the build, and then during the index build, applied here (in
    // this process, on another core) rather than by the API's projector thread, which shares its
    // time with the live generation until the new one has caught up: a running API then has only
    // the last seconds' appends to apply to it. Nothing to apply when no commands came.
    await catchUp(projections, undefined, signal);
    await this.freshStore.buildIndexes();
    await this.partitionsRemoved;
    await catchUp(projections, undefined, signal);
    await this.closeFresh();
    if (this.others.length > 0) this.copyFromLive(this.others);
    // Opened once as the live store opens it: WAL (the rebuild wrote without one), the schema.
    await new SqliteReadStore(this.freshPath).close();
    signal?.throwIfAborted();
    // Rebuild storage writes without syncing.
    syncFile(this.freshPath);
    publishGeneration(this.freshPath);
    this.published = true;
    this.reserved.release();
    return `${basename(this.livePath)} now links to ${basename(this.freshPath)}; a running API switches to it within about a second`;
  }

  /** The live store's collections and checkpoints of these projections, as one snapshot. */
  private copyFromLive(projections: readonly Projection[]): void {
    const db = openShadowTableWriter(this.freshPath);
    try {
      // replaceCollection copies the text indexes' FTS5 tables; the grams function: the text
      // tables are made (empty) by the read store's own schema code.
      registerGramsFunction(db);
      db.prepare('ATTACH DATABASE ? AS live').run(this.livePath);
      const exists = db.prepare("SELECT 1 FROM live.sqlite_master WHERE type = 'table' AND name = ?").pluck();
      // A deferred transaction: it writes only this file, and reads the live one at one snapshot.
      db.transaction(() => {
        for (const projection of projections) {
          // A collection the live store lacks: the API's projector replays that projection.
          if (!projection.collections.every((spec) => exists.get(tableName(spec.name)) !== undefined)) continue;
          for (const spec of projection.collections) replaceCollection(db, 'live', spec);
          db.prepare('INSERT OR REPLACE INTO main.projection_checkpoints SELECT * FROM live.projection_checkpoints WHERE projection = ?').run(
            projection.name,
          );
        }
      })();
      db.exec('DETACH DATABASE live');
    } finally {
      db.close();
    }
  }

  private async closeFresh(): Promise<void> {
    if (this.freshClosed) return;
    this.freshClosed = true;
    await this.fresh.close();
  }

  async discard(): Promise<void> {
    await this.closeFresh();
    await this.partitionsRemoved.catch(() => undefined);
    if (!this.published) removeReadStoreFile(this.freshPath);
    this.reserved.release();
  }
}
