/**
 * Switch-over for the embedded read store. The rebuild is built in a fresh SQLite file; the
 * switch puts its collections in place of the live ones inside ONE write transaction, after
 * checking (under the same lock) that every live checkpoint equals the rebuilt one: each live
 * collection is dropped and made again from the rebuilt rows, adopting the indexes the rebuild
 * built in its own file (replaceCollection), so no row waits in a text queue afterwards. Readers
 * of the running API keep reading the old snapshot until the commit and then see the new one
 * (WAL): no request fails. The API's projector waits for the lock meanwhile (its batches retry if the copy takes
 * longer than its 5 s busy timeout), so commands may answer later during a long copy; the CLI
 * reports how long that lock was held.
 */
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Projection } from '../../../read-model/src/projection.js';
import type { ReadStore } from '../../../read-model/src/read-store.js';
import { SqliteReadStore } from '../../../read-model/src/sqlite-read-store.js';
import { registerGramsFunction } from '../../../read-model/src/sqlite-grams.js';
import { replaceCollection } from '../../../read-model/src/sqlite-schema.js';
import type { EventStore } from '../../../event-store/src/event-store.js';
import { rebuildInParallel } from './parallel-rebuild.js';
import { catchUp, type SwitchOver } from './projection-rebuild.js';

/** The live projector only moves forward, so a few rounds of catching up always converge. */
const MAX_ROUNDS = 20;

export class SqliteSwitchOver implements SwitchOver {
  readonly fresh: ReadStore;
  private readonly freshStore: SqliteReadStore;

  constructor(
    private readonly livePath: string,
    private readonly freshPath: string,
    /** The log's file when it is an embedded store: the build then runs on several threads. */
    private readonly eventsFile?: string,
  ) {
    this.fresh = this.freshStore = new SqliteReadStore(freshPath, { rebuild: true });
  }

  async build(eventStore: EventStore, projections: readonly Projection[], target: bigint | null): Promise<void> {
    if (this.eventsFile === undefined) return catchUp(eventStore, this.fresh, projections, target);
    await rebuildInParallel({ eventStore, eventsFile: this.eventsFile, store: this.freshStore, storeFile: this.freshPath, projections, target });
  }

  async switchOver(
    projections: readonly Projection[],
    catchUp: (projection: Projection, target: bigint) => Promise<void>,
  ): Promise<number> {
    // Outside the lock: the rebuild's indexes, each in one pass over its rows, in its own file
    // (large pages, memory-mapped scans); the switch-over copies them with the rows. Catch-up
    // rounds below keep them up to date.
    await this.freshStore.buildIndexes();
    const db = new Database(this.livePath);
    try {
      db.pragma('busy_timeout = 5000');
      // replaceCollection copies the text indexes' FTS5 tables, which defensive mode forbids; the
      // grams function: the text tables are made (empty) by the read store's own schema code.
      db.unsafeMode(true);
      registerGramsFunction(db);
      db.prepare('ATTACH DATABASE ? AS rebuilt').run(this.freshPath);
      const checkpoint = (schema: 'main' | 'rebuilt', projection: string) =>
        db.prepare(`SELECT position FROM ${schema}.projection_checkpoints WHERE projection = ?`).pluck().get(projection) as
          | string
          | undefined;
      let heldMs = 0;
      let lockedAt = 0;
      const lock = () => {
        db.prepare('BEGIN IMMEDIATE').run();
        lockedAt = performance.now();
      };
      const release = (statement: 'COMMIT' | 'ROLLBACK') => {
        db.prepare(statement).run();
        heldMs += performance.now() - lockedAt;
      };
      for (let round = 1; ; round++) {
        lock();
        const behind = projections.filter((p) => {
          const live = checkpoint('main', p.name);
          return live !== undefined && live !== checkpoint('rebuilt', p.name);
        });
        if (behind.length > 0) {
          // The live projector moved on since the build: release its lock, catch up, try again.
          const targets = behind.map((p) => BigInt(checkpoint('main', p.name)!));
          release('ROLLBACK');
          if (round >= MAX_ROUNDS) throw new Error('The live projections keep moving; try the switch-over again');
          for (const [i, projection] of behind.entries()) await catchUp(projection, targets[i]);
          continue;
        }
        try {
          for (const projection of projections) {
            for (const spec of projection.collections) replaceCollection(db, 'rebuilt', spec);
            const rebuilt = checkpoint('rebuilt', projection.name);
            // No checkpoint: the log was empty, and the live projection starts from the beginning.
            if (rebuilt === undefined) {
              db.prepare('DELETE FROM main.projection_checkpoints WHERE projection = ?').run(projection.name);
            } else {
              db.prepare(
                'INSERT INTO main.projection_checkpoints (projection, position) VALUES (?, ?) ' +
                  'ON CONFLICT (projection) DO UPDATE SET position = excluded.position',
              ).run(projection.name, rebuilt);
            }
          }
          release('COMMIT');
          return heldMs;
        } catch (error) {
          if (db.inTransaction) release('ROLLBACK');
          throw error;
        }
      }
    } finally {
      db.close();
    }
  }

  async discard(): Promise<void> {
    await this.fresh.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.freshPath}${suffix}`, { force: true });
  }
}
