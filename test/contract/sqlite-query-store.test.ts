import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadGate } from '../../libs/read-model/src/read-gate.js';
import type { ReadStore } from '../../libs/read-model/src/read-store.js';
import { SqliteQueryStore } from '../../libs/read-model/src/sqlite-query-store.js';
import { SqliteReadStore } from '../../libs/read-model/src/sqlite-read-store.js';
import { writerAndReader } from '../support/writer-and-reader.js';
import { readStoreContract } from './read-store.contract.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'query-store-contract-'));
  dirs.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// The API with a projector thread: every query of the contract goes through the read-only store.
readStoreContract('SQLite, queried read-only', async () => writerAndReader(join(tempDir(), 'read.sqlite'), (file) => new SqliteQueryStore(file)), {
  transactionalBatches: true,
});

/** A gate that never holds a read, and whose advance the test (or a write) tells. */
function advancingGate(): ReadGate & { advance(): void } {
  const listeners: Array<() => void> = [];
  return { beforeRead: () => null, onAdvance: (listener) => listeners.push(listener), advance: () => listeners.forEach((listener) => listener()) };
}

/** The API's main thread: reads share a snapshot per turn, which the projector's progress ends, told after each write as the projector thread tells it. */
function writerAndSnapshotReader(file: string): ReadStore {
  const gate = advancingGate();
  const store = writerAndReader(file, (reader) => new SqliteQueryStore(reader, gate));
  const told = <T>(write: Promise<T>) => write.then((result) => (gate.advance(), result));
  return { ...store, runBatch: (projections, work) => told(store.runBatch(projections, work)), reset: (projection, collections) => told(store.reset(projection, collections)) };
}
readStoreContract('SQLite, queried read-only in snapshots', async () => writerAndSnapshotReader(join(tempDir(), 'read.sqlite')), { transactionalBatches: true });

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('SqliteQueryStore', () => {
  describe('with a gate: one snapshot per turn of the event loop', () => {
    const collection = { name: 'notes', indexes: [] };
    async function setup() {
      const file = join(tempDir(), 'read.sqlite');
      const writer = new SqliteReadStore(file);
      await writer.ensureCollections([collection]);
      const write = (text: string) => writer.runBatch('notes', async (session) => (await session.apply([{ kind: 'upsert', collection: 'notes', doc: { _id: 'n1', Text: text } }]), 1n));
      await write('first');
      const gate = advancingGate();
      const reader = new SqliteQueryStore(file, gate);
      const text = async () => String((await reader.get('notes', 'n1'))?.Text);
      return { writer, reader, gate, write, text, close: async () => (await reader.close(), await writer.close()) };
    }

    it("answers a read let through by the gate's advance with what was committed before it, within the same turn", async () => {
      const { write, text, gate, close } = await setup();
      try {
        expect(await text()).toBe('first');
        await write('second');
        // Not yet told: the turn's snapshot still answers (the projector had not said it applied more).
        expect(await text()).toBe('first');
        gate.advance();
        expect(await text()).toBe('second');
      } finally {
        await close();
      }
    });

    it('rejects a read once closed, as every read does, instead of throwing', async () => {
      const { reader, close } = await setup();
      await close();
      const read = reader.get('notes', 'n1');
      await expect(read).rejects.toThrow(/not open/);
    });

    it('ends the snapshot with the turn: a later turn reads the latest commit untold', async () => {
      const { write, text, close } = await setup();
      try {
        expect(await text()).toBe('first');
        await write('second');
        await nextTurn();
        expect(await text()).toBe('second');
      } finally {
        await close();
      }
    });
  });

  it('never creates the file: the projector that writes it must have', () => {
    const file = join(tempDir(), 'read.sqlite');
    expect(() => new SqliteQueryStore(file)).toThrow();
    expect(existsSync(file)).toBe(false);
  });

  it('cannot write, even through its own connection', async () => {
    const file = join(tempDir(), 'read.sqlite');
    await new SqliteReadStore(file).close();
    const reader = new SqliteQueryStore(file);
    try {
      const db = (reader as unknown as { reader: { db: { exec(sql: string): void } } }).reader.db;
      expect(() => db.exec('CREATE TABLE intruder (x)')).toThrow(/readonly/);
    } finally {
      await reader.close();
    }
  });
});
