/**
 * Embedded event store append rate against raw better-sqlite3 inserts of the same rows: both append
 * one registration's register-lax events per transaction to the same schema with the same
 * durability (WAL, synchronous=NORMAL: the store's default), so the ratio is what the store's checks
 * and bookkeeping cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventSourcedStreams } from '../libs/application/src/event-sourcing/event-sourced-streams.js';
import { SqliteEventStore } from '../libs/event-store/src/sqlite-event-store.js';
import { RegistrationHistory, type StreamAppend } from '../scripts/seed/registration-history.js';

export interface AppendRates {
  appends: number;
  events: number;
  /** Events per second. */
  store: number;
  raw: number;
}

function sampleAppends(count: number): StreamAppend[] {
  const history = new RegistrationHistory(new EventSourcedStreams(new SqliteEventStore(':memory:')), randomUUID());
  const form = { id: randomUUID(), code: 'FORM-1', title: 'Assessment 1' };
  return Array.from({ length: count }, () => history.registration(randomUUID(), randomUUID(), randomUUID(), form, new Date()));
}

async function storeRate(file: string, appends: StreamAppend[]): Promise<number> {
  const store = new SqliteEventStore(file);
  const started = performance.now();
  for (const { streamId, events } of appends) await store.append(streamId, events, 'no_stream');
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return seconds;
}

function rawRate(file: string, appends: StreamAppend[]): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
    type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream_id, revision))`);
  const insert = db.prepare('INSERT INTO events (stream_id, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?)');
  const append = db.transaction((append: StreamAppend) => {
    append.events.forEach((event, revision) => insert.run(append.streamId, revision, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata)));
  });
  const started = performance.now();
  for (const a of appends) append.immediate(a);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return seconds;
}

export async function measureAppendRates(appendCount: number): Promise<AppendRates> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-append-'));
  try {
    const appends = sampleAppends(appendCount);
    const events = appends.reduce((sum, a) => sum + a.events.length, 0);
    // Alternate, so neither side alone enjoys a warm or a busy disk.
    const raw = rawRate(join(dir, 'raw.sqlite'), appends);
    const store = await storeRate(join(dir, 'store.sqlite'), appends);
    return { appends: appendCount, events, store: events / store, raw: events / raw };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
