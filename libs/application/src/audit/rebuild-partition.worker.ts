/**
 * Worker thread of a parallel rebuild: replays one partition of a projection into a fresh read
 * store file of its own (see parallel-rebuild.ts), then exits.
 */
import { workerData } from 'node:worker_threads';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import { allProjections } from '../../../read-model/src/projections.js';
import { SqliteReadStore } from '../../../read-model/src/sqlite-read-store.js';
import type { PartitionJob } from './parallel-rebuild.js';
import { inPartition, replayPart } from './rebuild-partition.js';

const job = workerData as PartitionJob;
const projection = allProjections.find((p) => p.name === job.projection)!;
const log = new SqliteEventStore(job.eventsFile);
const store = new SqliteReadStore(job.storeFile, { rebuild: true });
try {
  await store.ensureCollections(projection.collections);
  await replayPart(log, store, [inPartition(projection, job.part)], job.part, BigInt(job.target));
} finally {
  await store.close();
  await log.close();
}
