import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from './event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

export interface EventStoreConfig {
  /** An `esdb://…` connection string; when absent the embedded SQLite store is used. */
  eventStoreUrl?: string;
  /** Folder of the embedded store's `events.sqlite` (created if missing). */
  dataDir: string;
  /** Commit durability of the embedded store (ignored for EventStoreDB). */
  sqliteDurability?: 'process' | 'power-loss';
}

/**
 * The EventStoreDB client is imported only when configured: with gRPC it adds about 25 MB resident
 * and a quarter of a second to every start of the API and the CLI on the embedded default.
 */
export async function createEventStore(config: EventStoreConfig): Promise<EventStore> {
  if (config.eventStoreUrl) {
    const { EsdbEventStore } = await import('./esdb-event-store.js');
    return new EsdbEventStore(config.eventStoreUrl);
  }
  mkdirSync(config.dataDir, { recursive: true });
  // The processes built here (API, projector, CLI) write for long enough to checkpoint off the event loop.
  return new SqliteEventStore(embeddedEventStoreFile(config.dataDir), {
    durability: config.sqliteDurability,
    checkpoint: 'background',
  });
}

/**
 * An existing event store, read without writing to it: the CLI's audit and export commands. The
 * embedded one must already exist (a mistyped folder is not a new, empty log that verifies).
 */
export async function openEventStoreForReading(config: Omit<EventStoreConfig, 'sqliteDurability'>): Promise<EventStore> {
  if (config.eventStoreUrl) return createEventStore(config);
  return new SqliteEventStore(embeddedEventStoreFile(config.dataDir), { readOnly: true });
}

export function embeddedEventStoreFile(dataDir: string): string {
  return join(dataDir, 'events.sqlite');
}
