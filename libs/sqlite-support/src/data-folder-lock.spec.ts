import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_LOCK_FILE, DataFolderInUseError, DataFolderLock } from './data-folder-lock.js';

describe('DataFolderLock', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'data-folder-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a second holder of the folder until the first releases it', () => {
    const first = DataFolderLock.acquire(dir);
    expect(() => DataFolderLock.acquire(dir)).toThrow(DataFolderInUseError);
    first.release();
    DataFolderLock.acquire(dir).release();
  });

  it('keeps no journal beside the lock file (the API ends without releasing it, so one would stay behind)', () => {
    const lock = DataFolderLock.acquire(dir);
    expect(fs.readdirSync(dir)).toEqual([API_LOCK_FILE]);
    lock.release();
  });
});
