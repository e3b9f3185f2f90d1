/**
 * Worker thread of a parallel rebuild: replays one partition of a projection, and on the first
 * worker the other projections whole, into a fresh read store file of its own (see
 * parallel-rebuild.ts), then exits; asked to stop, it stops at its next read of the log or commit.
 */
import { workerData } from 'node:worker_threads';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import type { Projection } from '../../../read-model/src/projection.js';
import { allProjections } from '../../../read-model/src/projections.js';
import { SqliteReadStore } from '../../../read-model/src/sqlite-read-store.js';
import type { PartitionJob } from './parallel-rebuild.js';
import { inPartition, readFor, replayPart } from './rebuild-partition.js';
import { stopRequested } from '../../../sqlite-support/src/stoppable-worker.js';

/** Only the service's own projections cross to a thread: by name. */
function named(name: string): Projection {
  const projection = allProjections.find((p) => p.name === name);
  if (!projection) throw new Error(`No projection named "${name}" to replay on a worker thread`);
  return projection;
}

const job = workerData as PartitionJob;
// Listening before anything opens: a stop asked for meanwhile is not missed.
const stop = stopRequested();
const projection = named(job.projection);
const others = job.others.map(named);
const log = new SqliteEventStore(job.eventsFile);
const store = new SqliteReadStore(job.storeFile, { rebuild: true });
try {
  await store.ensureCollections([...others, projection].flatMap((p) => p.collections));
  await replayPart(log, store, [...others, inPartition(projection, job.part)], readFor(job.part, others), BigInt(job.target), { signal: stop });
} finally {
  await store.close();
  await log.close();
}
