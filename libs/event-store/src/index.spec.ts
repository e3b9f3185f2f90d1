import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EsdbEventStore } from './esdb-event-store.js';
import { createEventStore } from './index.js';
import { SqliteEventStore } from './sqlite-event-store.js';

describe('createEventStore', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'create-event-store-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the embedded store at <dataDir>/events.sqlite, creating the folder, and keeps events there', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = await createEventStore({ dataDir });
    const metadata = {
      organization: 'org',
      actor: 'tester',
      occurredAt: '2026-03-01T17:00:00.000Z',
      correlationId: 'request-1',
      causationId: null,
      schemaVersion: 1,
    };
    await store.append('s-1', [{ type: 'A', data: {}, metadata }], 'no_stream');
    await store.close();

    expect(store).toBeInstanceOf(SqliteEventStore);
    expect(existsSync(join(dataDir, 'events.sqlite'))).toBe(true);
    const reopened = await createEventStore({ dataDir });
    expect((await reopened.readStream('s-1')).map((e) => e.type)).toEqual(['A']);
    await reopened.close();
  });

  it('uses EventStoreDB when a connection string is configured, without touching the data folder', async () => {
    const dataDir = join(dir, 'unused');
    const store = await createEventStore({ eventStoreUrl: 'esdb://localhost:2113?tls=false', dataDir });

    expect(store).toBeInstanceOf(EsdbEventStore);
    expect(existsSync(dataDir)).toBe(false);
    await store.close();
  });
});
