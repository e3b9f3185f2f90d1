/** Projection rebuild rate: every projection from scratch into a fresh read store, from a seeded log. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditedEventStore } from '../libs/application/src/audit/audited-event-store.js';
import { SqliteEventStore } from '../libs/event-store/src/sqlite-event-store.js';
import { ProjectionLagTimeoutError, ProjectionRunner } from '../libs/read-model/src/projection-runner.js';
import { allProjections } from '../libs/read-model/src/projections.js';
import { SqliteReadStore } from '../libs/read-model/src/sqlite-read-store.js';

export interface RebuildRate {
  events: number;
  seconds: number;
  perSecond: number;
}

export async function measureRebuild(eventsFile: string): Promise<RebuildRate> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rebuild-'));
  // Read as the API reads (upcasting included), written into a fresh file.
  const eventStore = auditedEventStore(new SqliteEventStore(eventsFile));
  const readStore = new SqliteReadStore(join(dir, 'read.sqlite'));
  try {
    const events = Number((await eventStore.headPosition()) ?? 0n);
    const runner = new ProjectionRunner(eventStore, readStore, allProjections, { batchSize: 5_000 });
    const started = performance.now();
    // start() gives up waiting after a minute but keeps projecting; a large log takes longer.
    await runner.start().catch((error: unknown) => {
      if (!(error instanceof ProjectionLagTimeoutError)) throw error;
    });
    await runner.waitForCatchUp(3_600_000);
    const seconds = (performance.now() - started) / 1000;
    await runner.stop();
    return { events, seconds, perSecond: events / seconds };
  } finally {
    await readStore.close();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
