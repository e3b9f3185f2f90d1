import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncThroughOpenDescriptor } from './sync-open-file.js';

const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('syncThroughOpenDescriptor', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), 'sync-open-file-')));
    db = new Database(join(dir, 'store.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x)');
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** This process's POSIX locks on the file, as /proc/locks lists them (by inode; without the line number). */
  const locksOn = (file: string) => {
    const inode = `:${fs.statSync(file).ino} `;
    return fs
      .readFileSync('/proc/locks', 'utf8')
      .split('\n')
      .filter((line) => line.includes(` ${process.pid} `) && line.includes(inode))
      .map((line) => line.slice(line.indexOf(':') + 1).trim());
  };

  it('syncs a file through a descriptor SQLite holds open', () => {
    expect(syncThroughOpenDescriptor(db.name, fs)).toBe(true);
  });

  it('keeps SQLite’s locks on the file (a descriptor of its own, closed, would drop them)', () => {
    const held = locksOn(db.name);
    expect(held.length).toBeGreaterThan(0);
    syncThroughOpenDescriptor(db.name, fs);
    expect(locksOn(db.name)).toEqual(held);
  });

  it('finds nothing to sync for a file the process has not open', () => {
    fs.writeFileSync(join(dir, 'other'), 'x');
    expect(syncThroughOpenDescriptor(join(dir, 'other'), fs)).toBe(false);
  });
});
