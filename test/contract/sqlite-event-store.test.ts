import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WrongExpectedRevisionError, type NewEvent } from '../../libs/event-store/src/event-store.js';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite-event-store.js';
import { eventStoreContract } from './event-store.contract.js';

let dir: string;
let fileCounter = 0;
const newFile = () => join(dir, `events-${++fileCounter}.sqlite`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-event-store-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

eventStoreContract('SqliteEventStore', async () => new SqliteEventStore(newFile()));

describe('SqliteEventStore', () => {
  const event = (type: string): NewEvent => ({
    type,
    data: { type },
    metadata: {
      organization: 'org',
      actor: 'tester',
      occurredAt: '2026-03-01T17:00:00.000Z',
      correlationId: 'request-1',
      causationId: null,
      schemaVersion: 1,
    },
  });

  it('reports no head on an empty store, then exactly the position of the last append', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      expect(await store.headPosition()).toBeNull();
      expect(await store.readAll({ limit: 10 })).toEqual([]);

      await store.append('s-1', [event('A')], 'no_stream');
      const last = await store.append('s-2', [event('B'), event('C')], 'no_stream');

      expect(await store.headPosition()).toBe(last.position);
      expect(await store.readAll({ after: last.position, limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('keeps every event across close and reopen', async () => {
    const file = newFile();
    const writer = new SqliteEventStore(file);
    await writer.append('s-1', [event('A'), event('B')], 'no_stream');
    const written = await writer.readAll({ limit: 10 });
    await writer.close();

    const reopened = new SqliteEventStore(file);
    try {
      expect(await reopened.readAll({ limit: 10 })).toEqual(written);
      expect((await reopened.append('s-1', [event('C')], 1n)).nextExpectedRevision).toBe(2n);
    } finally {
      await reopened.close();
    }
  });

  it('shares one file between connections (API and projector processes): reads and conflicts see the other writer', async () => {
    const file = newFile();
    const api = new SqliteEventStore(file);
    const projector = new SqliteEventStore(file);
    try {
      await projector.readAll({ limit: 1 }); // the reader has looked before the writer appends
      const { position } = await api.append('s-1', [event('A')], 'no_stream');

      expect(await projector.headPosition()).toBe(position);
      expect((await projector.readAll({ limit: 10 })).map((e) => e.type)).toEqual(['A']);
      await expect(projector.append('s-1', [event('Stale')], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect((await api.readStream('s-1')).map((e) => e.type)).toEqual(['A']);
    } finally {
      await api.close();
      await projector.close();
    }
  });

  it('maps a violation of the unique (stream, revision) index to WrongExpectedRevisionError', async () => {
    const file = newFile();
    const store = new SqliteEventStore(file);
    try {
      await store.append('s-1', [event('A')], 'no_stream');
      // Lose the revision bookkeeping so that only the unique index stands in the way.
      const raw = new Database(file);
      raw.prepare('DELETE FROM streams').run();
      raw.close();

      await expect(store.append('s-1', [event('Duplicate')], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect((await store.readStream('s-1')).map((e) => e.type)).toEqual(['A']);
    } finally {
      await store.close();
    }
  });

  it('does not notify listeners of a rejected append', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      await store.append('s-1', [event('A')], 'no_stream');
      let calls = 0;
      store.onAppended(() => (calls += 1));

      await expect(store.append('s-1', [event('B')], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await new Promise((resolve) => setImmediate(resolve));

      expect(calls).toBe(0);
    } finally {
      await store.close();
    }
  });
});
