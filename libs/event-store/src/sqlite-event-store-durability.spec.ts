import { afterEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from './index.js';

/**
 * What a commit survives cannot be shown by killing the process (the crash test's SIGKILL loses
 * nothing even with syncing off); only an OS crash or a power cut would. So the setting itself is
 * checked: a faster `synchronous` is a tempting change when measuring appends.
 */
describe('the embedded event store’s durability setting', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  const syncLevel = async (durability?: 'process' | 'power-loss') => {
    const dir = mkdtempSync(join(tmpdir(), 'booking-durability-'));
    dirs.push(dir);
    // As the API, the projector and the CLI open it, from their configuration.
    const store = await createEventStore({ dataDir: dir, sqliteDurability: durability });
    const db = (store as unknown as { db: Database.Database }).db;
    const level = { journal: db.pragma('journal_mode', { simple: true }), synchronous: db.pragma('synchronous', { simple: true }) };
    await store.close();
    return level;
  };

  it('writes each commit to the write-ahead log before an append resolves, by default (synchronous NORMAL)', async () => {
    expect(await syncLevel()).toEqual({ journal: 'wal', synchronous: 1 });
    expect(await syncLevel('process')).toEqual({ journal: 'wal', synchronous: 1 });
  });

  it('syncs every commit to the disk with power-loss durability (synchronous FULL)', async () => {
    expect(await syncLevel('power-loss')).toEqual({ journal: 'wal', synchronous: 2 });
  });
});
