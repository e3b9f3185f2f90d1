import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadGate } from '../../libs/read-model/src/read-gate.js';
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

/** A gate that never holds a read: reads run in batches, one per turn of the event loop. */
const openGate: ReadGate = { beforeRead: () => null };

/** The API's main thread: the reads of a turn run together at its end. */
readStoreContract(
  'SQLite, queried read-only in batches per turn',
  async () => writerAndReader(join(tempDir(), 'read.sqlite'), (file) => new SqliteQueryStore(file, openGate)),
  { transactionalBatches: true },
);

describe('SqliteQueryStore', () => {
  it('asks its gate about the one organization a read is filtered to (null: none, or several)', async () => {
    const file = join(tempDir(), 'read.sqlite');
    const writer = new SqliteReadStore(file);
    await writer.ensureCollections([{ name: 'people', indexes: [['Organization']], views: { row: ['Organization'] } }]);
    const asked: Array<string | null> = [];
    const reader = new SqliteQueryStore(file, { beforeRead: (organization) => (asked.push(organization), null) });
    try {
      await reader.find('people', { Organization: 'o1' });
      await reader.count('people', { Organization: 'o2', Name: 'Ada' });
      await reader.findView('people', { Organization: 'o3' }, undefined, 'row');
      await reader.getView('people', 'p1', 'row', { Organization: 'o4' });
      await reader.get('people', 'p1', 'o5');
      await reader.get('people', 'p1');
      await reader.find('people', {});
      await reader.count('people', { Organization: { $in: ['o1', 'o2'] } });
      expect(asked).toEqual(['o1', 'o2', 'o3', 'o4', 'o5', null, null, null]);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  describe('with a gate: the reads of a turn run together at its end', () => {
    const collection = { name: 'notes', indexes: [] };
    async function setup(sliceMs?: number) {
      const file = join(tempDir(), 'read.sqlite');
      const writer = new SqliteReadStore(file);
      await writer.ensureCollections([collection]);
      const write = (text: string) => writer.runBatch('notes', async (session) => (await session.apply([{ kind: 'upsert', collection: 'notes', doc: { _id: 'n1', Text: text } }]), 1n));
      await write('first');
      const reader = new SqliteQueryStore(file, openGate, sliceMs);
      const text = async () => String((await reader.get('notes', 'n1'))?.Text);
      return { reader, write, text, close: async () => (await reader.close(), await writer.close()) };
    }

    it('answers a read with every commit made before its turn ended, even one made after it was asked', async () => {
      const { write, text, close } = await setup();
      try {
        const asked = text();
        await write('second');
        expect(await asked).toBe('second');
        expect(await text()).toBe('second');
      } finally {
        await close();
      }
    });

    it('answers each read of a turn on its own: one that fails leaves the others', async () => {
      const { reader, text, close } = await setup();
      try {
        const reads = [reader.get('nowhere', 'n1'), text(), reader.find('notes', { $where: 'x' } as never), reader.count('notes', {}), text()];
        const settled = await Promise.allSettled(reads);
        expect(settled.map((read) => read.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect(settled.filter((read) => read.status === 'fulfilled').map((read) => read.value)).toEqual(['first', 1, 'first']);
      } finally {
        await close();
      }
    });

    it('answers the rest of a slice, and later turns, after a read whose error ended the transaction', async () => {
      const { reader, text, close } = await setup();
      try {
        // As SQLite does on some errors (I/O, memory, an interrupt): the statement fails and its transaction is rolled back.
        const internals = reader as unknown as { view: { get(collection: string, id: string): Promise<unknown> }; reader: { db: { exec(sql: string): void } } };
        const { view } = internals;
        const get = view.get.bind(view);
        let reads = 0;
        view.get = async (collection, id) => {
          if (++reads !== 2) return get(collection, id);
          internals.reader.db.exec('ROLLBACK');
          throw new Error('disk I/O error');
        };
        const settled = await Promise.allSettled([text(), text(), text()]);
        expect(settled.map((read) => read.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(await text()).toBe('first');
      } finally {
        await close();
      }
    });

    it('never cuts a slice between reads asked together: a search page and its total read the same data', async () => {
      const { reader, write, close } = await setup(0);
      try {
        // Asked in one step, as a search asks for its page and its total; written once the page is answered.
        const page = reader.find('notes', { Text: 'first' });
        const total = reader.count('notes', { Text: 'first' });
        const [rows, count] = await Promise.all([page.then(async (found) => (await write('second'), found)), total]);
        expect(rows).toHaveLength(1);
        expect(count).toBe(1);
      } finally {
        await close();
      }
    });

    it('lets the answers of a slice out before the next slice runs', async () => {
      const { write, text, close } = await setup(0);
      try {
        const first = text();
        await Promise.resolve();
        const second = text();
        // Asked in another step, after a slice of one read: the second runs on the next check phase, after this write.
        const both = await Promise.all([first.then(async (answer) => (await write('second'), answer)), second]);
        expect(both).toEqual(['first', 'second']);
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

    it('rejects the reads of a turn whose store closes before they run', async () => {
      const { reader, close } = await setup();
      const read = expect(reader.get('notes', 'n1')).rejects.toThrow(/not open/);
      await close();
      await read;
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
