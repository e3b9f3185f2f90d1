import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadStore } from '../../libs/read-model/src/read-store.js';
import { SqliteQueryStore } from '../../libs/read-model/src/sqlite-query-store.js';
import { SqliteReadStore } from '../../libs/read-model/src/sqlite-read-store.js';
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

/**
 * The API with a projector thread: the thread writes through SqliteReadStore, the API answers
 * every query through SqliteQueryStore on the same file. Every query of the contract goes
 * through the read-only store here.
 */
function writerAndReader(file: string): ReadStore {
  const writer = new SqliteReadStore(file);
  const reader = new SqliteQueryStore(file);
  return {
    ensureCollections: (specs) => writer.ensureCollections(specs),
    missingCollections: (collections) => writer.missingCollections(collections),
    runBatch: (projections, work) => writer.runBatch(projections, work),
    reset: (projection, collections) => writer.reset(projection, collections),
    get: (collection, id) => reader.get(collection, id),
    find: (collection, filter, options) => reader.find(collection, filter, options),
    findView: (collection, filter, options, view) => reader.findView(collection, filter, options, view),
    getView: (collection, id, view, match) => reader.getView(collection, id, view, match),
    count: (collection, filter) => reader.count(collection, filter),
    getCheckpoint: (projection) => reader.getCheckpoint(projection),
    close: async () => {
      await reader.close();
      await writer.close();
    },
  };
}

readStoreContract('SQLite, queried read-only', async () => writerAndReader(join(tempDir(), 'read.sqlite')), { transactionalBatches: true });

describe('SqliteQueryStore', () => {
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
