import { mkdirSync } from 'node:fs';
import type { ReadGate } from './read-gate.js';
import type { QueryStore, ReadStore } from './read-store.js';
import { SqliteQueryStore } from './sqlite-query-store.js';
import { SqliteReadStore } from './sqlite-read-store.js';
import { QueryThreads } from './query-threads.js';
import { ThreadedQueryStore } from './threaded-query-store.js';
import { embeddedReadStoreFile } from './read-store-generations.js';

export { embeddedReadStoreFile } from './read-store-generations.js';

export interface ReadStoreConfig {
  /** When set, read models live in MongoDB (database from the URL); else in SQLite. */
  mongodbUrl?: string;
  /** Folder of the embedded store's `read.sqlite`; created when missing. */
  dataDir: string;
}

export async function createReadStore(config: ReadStoreConfig): Promise<ReadStore> {
  if (config.mongodbUrl) {
    // Loaded only when configured: the driver holds about 13 MB of resident memory (a 17 MB BSON
    // buffer among it) that the embedded default never uses.
    const { MongoReadStore } = await import('./mongo-read-store.js');
    return MongoReadStore.connect(config.mongodbUrl);
  }
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteReadStore(embeddedReadStoreFile(config.dataDir));
}

/** The embedded store read-only, and able to move to another generation of it (see read-store-generations.ts). */
export interface EmbeddedQueryStore extends QueryStore {
  /** Closes every connection to the file read until now and reads `file` from now on. */
  switchTo(file: string): Promise<void>;
}

/**
 * The embedded store, read-only, on `file` (a generation, as the projector thread opened it): its
 * writer must have created it.
 * `queryThreads`: how many threads answer searches and counts (see ThreadedQueryStore); with 0,
 * this thread answers every query itself. `gate`: what every read of a document waits for first
 * (read-your-writes on the read side, see ReadGate).
 */
export function openEmbeddedQueryStore(file: string, queryThreads = 0, gate: ReadGate | null = null): EmbeddedQueryStore {
  const local = new SqliteQueryStore(file, gate);
  return queryThreads === 0 ? local : new ThreadedQueryStore(local, new QueryThreads({ readStoreFile: file, size: queryThreads }), gate);
}
