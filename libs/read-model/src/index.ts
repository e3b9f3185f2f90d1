import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MongoReadStore } from './mongo-read-store.js';
import type { ReadStore } from './read-store.js';
import { SqliteReadStore } from './sqlite-read-store.js';

export * from './read-store.js';
export { MongoReadStore } from './mongo-read-store.js';
export { SqliteReadStore } from './sqlite-read-store.js';

export interface ReadStoreConfig {
  /** When set, read models live in MongoDB (database from the URL); else in SQLite. */
  mongodbUrl?: string;
  /** Folder of the embedded store's `read.sqlite`; created when missing. */
  dataDir: string;
}

export async function createReadStore(config: ReadStoreConfig): Promise<ReadStore> {
  if (config.mongodbUrl) return MongoReadStore.connect(config.mongodbUrl);
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteReadStore(join(config.dataDir, 'read.sqlite'));
}
