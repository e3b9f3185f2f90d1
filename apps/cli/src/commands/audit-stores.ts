import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../../../../libs/application/src/config/app-config.js';
import type { EventStore } from '../../../../libs/event-store/src/event-store.js';
import { createEventStore } from '../../../../libs/event-store/src/index.js';

/** The CLI reads the same configuration and stores as the API. */
export function cliConfig(): AppConfig {
  return loadConfig();
}

/** The event store as stored, without upcasting: what the hash chain and the export cover. */
export function rawEventStore(config: AppConfig): Promise<EventStore> {
  return createEventStore(config);
}

/** The embedded read store's file, as createReadStore names it. */
export function liveReadStorePath(config: AppConfig): string {
  return join(config.dataDir, 'read.sqlite');
}

export async function withStore<T>(store: EventStore, work: (store: EventStore) => Promise<T>): Promise<T> {
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
