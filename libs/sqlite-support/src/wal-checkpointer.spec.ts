import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalCheckpointer } from './wal-checkpointer.js';

describe('WalCheckpointer', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-'));
    db = new Database(join(dir, 'store.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (x TEXT)');
  });
  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fill = (rows: number) => {
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run('x'.repeat(1000));
    })();
  };
  const databaseBytes = () => statSync(join(dir, 'store.sqlite')).size;

  it('stops the connection from checkpointing in its own commits', () => {
    const checkpointer = new WalCheckpointer(db);
    fill(5_000); // ~1,300 pages: past the 1,000 at which SQLite would checkpoint in the commit
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(databaseBytes()).toBeLessThan(100_000);
    return checkpointer.close();
  });

  it('copies committed pages into the database file from its worker', async () => {
    const checkpointer = new WalCheckpointer(db, { intervalMs: 20 });
    fill(5_000);
    const deadline = Date.now() + 10_000;
    while (databaseBytes() < 5_000_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(databaseBytes()).toBeGreaterThan(5_000_000);
    await checkpointer.close();
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(5_000);
  });

  it('lets the WAL start over past its start-over point while the writer keeps writing', async () => {
    const checkpointer = new WalCheckpointer(db, { intervalMs: 20, restartFrames: 200 });
    // SQLite never shrinks the WAL file here: its size is the most frames it ever held at once.
    const walFrames = () => statSync(join(dir, 'store.sqlite-wal')).size / 4096;
    // Never idle (the worker's passes never find every frame copied), but its messages are heard.
    for (let round = 0; round < 6_000; round++) {
      fill(20); // about 6 frames a commit: about 44,000 in all, which a WAL that never started over would hold
      await new Promise((resolve) => setImmediate(resolve));
    }
    await checkpointer.close();
    // Well under the 44,000: it started over, early enough even when its worker was slow to get a
    // core (20,689 frames while another process loaded the machine; 20,000 was too tight).
    expect(walFrames()).toBeLessThan(30_000);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(120_000);
  });
});
