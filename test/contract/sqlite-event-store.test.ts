import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WrongExpectedRevisionError, type NewEvent } from '../../libs/event-store/src/event-store.js';
import { SqliteEventStore, streamBucket } from '../../libs/event-store/src/sqlite-event-store.js';
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

  it('reads part of some streams, by the bucket of their id, and all of the others', async () => {
    const store = new SqliteEventStore(':memory:');
    try {
      // Buckets: …-0 is 1, …-f is 16, …-x (no hex digit) is 0.
      for (const streamId of ['reg-0', 'other-0', 'reg-f', 'reg-x', 'reg-3']) await store.append(streamId, [event('A')], 'no_stream');
      expect(['reg-0', 'reg-f', 'reg-x', 'reg-3', 'reg-'].map(streamBucket)).toEqual([1, 16, 0, 4, 0]);
      const all = await store.readAll({ limit: 10 });
      const part = { streamPrefix: 'reg-', buckets: [0, 4] } as const;

      const first = await store.readAllOfPart({ limit: 3 }, part);
      expect(first).toEqual({ events: [all[0], all[1]], last: all[2].position });
      const rest = await store.readAllOfPart({ after: first.last!, limit: 3 }, part);
      expect(rest).toEqual({ events: [all[3], all[4]], last: all[4].position });
      expect(await store.readAllOfPart({ after: rest.last!, limit: 3 }, part)).toEqual({ events: [], last: null });
      expect((await store.readAllOfPart({ limit: 10 }, { streamPrefix: 'reg-', buckets: [16, 16] })).events).toEqual([all[1], all[2]]);
      await store.append('reg-1', [event('B')], 'no_stream');
      const withB = await store.readAllOfPart({ limit: 10 }, { streamPrefix: 'reg-', buckets: [16, 16], alsoTypes: ['B', 'C'] });
      expect(withB.events.map((e) => e.streamId)).toEqual(['other-0', 'reg-f', 'reg-1']);
    } finally {
      await store.close();
    }
  });

  it('keeps every event and subscriber checkpoint across close and reopen', async () => {
    const file = newFile();
    const writer = new SqliteEventStore(file);
    await writer.append('s-1', [event('A'), event('B')], 'no_stream');
    const written = await writer.readAll({ limit: 10 });
    await writer.saveCheckpoint('reactor', written[1].position);
    await writer.close();

    const reopened = new SqliteEventStore(file);
    try {
      expect(await reopened.readAll({ limit: 10 })).toEqual(written);
      expect(await reopened.loadCheckpoint('reactor')).toBe(written[1].position);
      expect((await reopened.append('s-1', [event('C')], 1n)).nextExpectedRevision).toBe(2n);
    } finally {
      await reopened.close();
    }
  });

  it('gives a file from before subscriber checkpoints (session 43) their table when it opens it', async () => {
    const file = newFile();
    const older = new SqliteEventStore(file);
    await older.append('s-1', [event('A')], 'no_stream');
    await older.close();
    const raw = new Database(file);
    raw.exec('DROP TABLE subscriber_checkpoints');
    raw.close();

    const reopened = new SqliteEventStore(file);
    try {
      expect(await reopened.loadCheckpoint('reactor')).toBeUndefined();
      await reopened.saveCheckpoint('reactor', 1n);
      expect(await reopened.loadCheckpoint('reactor')).toBe(1n);
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

  describe('group commit', () => {
    it('commits the appends made in one turn in one transaction, each checked against its own expected revision', async () => {
      const file = newFile();
      const store = new SqliteEventStore(file);
      try {
        await store.append('s-1', [event('A')], 'no_stream');
        const commitsBefore = walCommits(file);

        const [first, stale, other] = await Promise.allSettled([
          store.append('s-1', [event('B')], 0n),
          store.append('s-1', [event('Stale')], 0n),
          store.append('s-2', [event('C'), event('D')], 'no_stream'),
        ]);

        expect(walCommits(file) - commitsBefore).toBe(1);
        expect(first).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1n } });
        expect(stale).toMatchObject({ status: 'rejected', reason: { name: 'WrongExpectedRevisionError', actual: 1n } });
        expect(other).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1n } });
        // Positions follow the order of the calls.
        const positions = (await store.readAll({ limit: 10 })).map((e) => [e.type, e.position]);
        expect(positions.map(([type]) => type)).toEqual(['A', 'B', 'C', 'D']);
        expect((first as PromiseFulfilledResult<{ position: bigint }>).value.position).toBe(positions[1][1]);
        expect((other as PromiseFulfilledResult<{ position: bigint }>).value.position).toBe(positions[3][1]);
      } finally {
        await store.close();
      }
    });

    it('undoes only the failed append of a group, however far it got', async () => {
      const store = new SqliteEventStore(':memory:');
      try {
        const unstorable: NewEvent = { ...event('Unstorable'), data: { amount: 1n } };
        const [before, failed, after] = await Promise.allSettled([
          store.append('s-1', [event('A')], 'no_stream'),
          store.append('s-2', [event('B'), unstorable], 'no_stream'),
          store.append('s-3', [event('C')], 'no_stream'),
        ]);

        expect([before.status, failed.status, after.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
        expect((await store.readAll({ limit: 10 })).map((e) => e.type)).toEqual(['A', 'C']);
        expect((await store.append('s-2', [event('B')], 'no_stream')).nextExpectedRevision).toBe(0n);
      } finally {
        await store.close();
      }
    });

    it('resolves an append only once it is committed: another connection already reads it', async () => {
      const file = newFile();
      const store = new SqliteEventStore(file);
      const reader = new Database(file, { readonly: true });
      try {
        const count = () => reader.prepare('SELECT count(*) FROM events').pluck().get();
        const appended = store.append('s-1', [event('A')], 'no_stream');
        expect(count()).toBe(0);
        await appended;
        expect(count()).toBe(1);
      } finally {
        reader.close();
        await store.close();
      }
    });

    it('shows this process its appends at once: reading a stream with a pending append commits the group', async () => {
      const file = newFile();
      const store = new SqliteEventStore(file);
      try {
        const commitsBefore = walCommits(file);
        const appends = [store.append('s-1', [event('A')], 'no_stream'), store.append('s-2', [event('B')], 'no_stream')];
        expect(await store.readStream('s-3')).toEqual([]);
        expect(walCommits(file)).toBe(commitsBefore);
        expect((await store.readStream('s-2')).map((e) => e.type)).toEqual(['B']);
        expect(walCommits(file) - commitsBefore).toBe(1);
        await Promise.all(appends);
        expect((await store.readAll({ limit: 10 })).map((e) => e.type)).toEqual(['A', 'B']);
      } finally {
        await store.close();
      }
    });

    it('counts a pending append in the head and the log it reads (readiness, catch-up and rebuilds go by them)', async () => {
      const store = new SqliteEventStore(':memory:');
      try {
        const first = store.append('s-1', [event('A')], 'no_stream');
        const head = await store.headPosition();
        expect(head).toBe((await first).position);
        const second = store.append('s-2', [event('B')], 'no_stream');
        expect((await store.readAll({ after: head!, limit: 10 })).map((e) => e.type)).toEqual(['B']);
        expect(await store.headPosition()).toBe((await second).position);
      } finally {
        await store.close();
      }
    });

    it('commits what is pending when the store closes', async () => {
      const file = newFile();
      const store = new SqliteEventStore(file);
      const appended = store.append('s-1', [event('A')], 'no_stream');
      await store.close();
      await expect(appended).resolves.toMatchObject({ nextExpectedRevision: 0n });
      const reopened = new SqliteEventStore(file);
      expect((await reopened.readStream('s-1')).map((e) => e.type)).toEqual(['A']);
      await reopened.close();
    });
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

/** Commit records in the WAL file (the frames that end a transaction), up to where its current salt ends. */
function walCommits(file: string): number {
  const wal = readFileSync(`${file}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const salt = wal.readUInt32BE(16);
  let commits = 0;
  for (let frame = 32; frame + 24 + pageSize <= wal.length && wal.readUInt32BE(frame + 8) === salt; frame += 24 + pageSize) {
    if (wal.readUInt32BE(frame + 4) !== 0) commits++;
  }
  return commits;
}
