import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from '../../libs/read-model/src/sqlite-read-store.js';
import { readStoreContract } from './read-store.contract.js';

const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

readStoreContract(
  'SQLite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'read-store-contract-'));
    dirs.push(dir);
    return new SqliteReadStore(join(dir, 'read.sqlite'));
  },
  { transactionalBatches: true },
);

// Fresh storage for a rebuild answers every query the same while its text indexes wait.
readStoreContract(
  'SQLite, fresh storage for a rebuild',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'read-store-contract-'));
    dirs.push(dir);
    return new SqliteReadStore(join(dir, 'read.sqlite'), { rebuild: true });
  },
  { transactionalBatches: true },
);
