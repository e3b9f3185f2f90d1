import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
