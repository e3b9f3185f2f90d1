/**
 * Projection rebuild rate: what `projections rebuild` does before it switches over, timed: every
 * projection from scratch into fresh storage, from a seeded log, and then the indexes the rebuild
 * defers (so the figure is for complete, indexed and searchable read models). On several cores,
 * as the CLI does: worker threads and the copy of their partitions into the one file included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditedEventStore } from '../libs/application/src/audit/audited-event-store.js';
import { rebuildInParallel } from '../libs/application/src/audit/parallel-rebuild.js';
import { SqliteEventStore } from '../libs/event-store/src/sqlite-event-store.js';
import { allProjections } from '../libs/read-model/src/projections.js';
import { LIVE_PAGE_SIZE, SqliteReadStore } from '../libs/read-model/src/sqlite-read-store.js';

export interface RebuildRate {
  events: number;
  seconds: number;
  perSecond: number;
}

export async function measureRebuild(eventsFile: string): Promise<RebuildRate> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rebuild-'));
  // Read as the API reads (upcasting included), written into a fresh file.
  const eventStore = auditedEventStore(new SqliteEventStore(eventsFile));
  const storeFile = join(dir, 'read.sqlite');
  // At the live store's page size, as the CLI builds the generation it publishes.
  const readStore = new SqliteReadStore(storeFile, { rebuild: true, pageSize: LIVE_PAGE_SIZE });
  try {
    const head = await eventStore.headPosition();
    const started = performance.now();
    await readStore.ensureCollections(allProjections.flatMap((p) => p.collections));
    const { partitionsRemoved } = await rebuildInParallel({ eventStore, eventsFile, store: readStore, storeFile, projections: allProjections, target: head });
    await readStore.buildIndexes();
    await partitionsRemoved;
    const seconds = (performance.now() - started) / 1000;
    const events = Number(head ?? 0n);
    return { events, seconds, perSecond: events / seconds };
  } finally {
    await readStore.close();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
