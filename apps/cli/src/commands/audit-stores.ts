import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadStoreConfig, type StoreConfig } from '../../../../libs/application/src/config/app-config.js';
import { EventStoreUnavailableError, type EventStore } from '../../../../libs/event-store/src/event-store.js';
import { embeddedEventStoreFile, openEventStoreForReading } from '../../../../libs/event-store/src/index.js';

/**
 * The CLI reads the same stores as the API, from the same environment. Its store commands need no
 * token secret: an auditor's copy of the folder may rightly hold none, and they create none.
 */
export function cliConfig(): StoreConfig {
  const config = loadStoreConfig();
  // A mistyped folder must not become a new, empty log (that verifies, exports nothing, rebuilds empty models).
  if (!config.eventStoreUrl && !existsSync(embeddedEventStoreFile(config.dataDir))) {
    throw new EventStoreUnavailableError(
      `No event store at ${embeddedEventStoreFile(config.dataDir)}: BOOKING_DATA_DIR names the API's data folder (default ./data)`,
    );
  }
  return config;
}

/** The event store as stored, without upcasting, opened read-only: what the hash chain and the export cover. */
export function rawEventStore(config: StoreConfig): Promise<EventStore> {
  return openEventStoreForReading(config);
}

/** The embedded read store's file, as createReadStore names it. */
export function liveReadStorePath(config: StoreConfig): string {
  return join(config.dataDir, 'read.sqlite');
}

export async function withStore<T>(store: EventStore, work: (store: EventStore) => Promise<T>): Promise<T> {
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
