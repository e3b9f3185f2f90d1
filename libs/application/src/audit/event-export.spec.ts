import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UnreadableEventError, type NewEvent } from '../../../event-store/src/event-store.js';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import { exportEvents } from './event-export.js';

const event = (type: string, organization: string): NewEvent => ({
  type,
  data: { type },
  metadata: { organization, actor: 'alice', occurredAt: '2026-03-01T17:00:00.000Z', correlationId: 'r', causationId: 'r', schemaVersion: 1 },
});

describe('exportEvents', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'event-export-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    await store.append('a', [event('A0', 'org-1'), event('A1', 'org-2')], 'no_stream');
    await store.append('b', [event('B0', 'org-1'), event('B1', 'org-1'), event('B2', 'org-1')], 'no_stream');
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exported = async (options = {}) => {
    const lines: Array<{ Position: string; Type: string }> = [];
    try {
      for await (const line of exportEvents(store, options)) lines.push(JSON.parse(line));
      return { types: lines.map((line) => line.Type), error: null };
    } catch (error) {
      return { types: lines.map((line) => line.Type), error };
    }
  };

  it('writes every event in log order, or one organization\'s from a position', async () => {
    expect(await exported()).toEqual({ types: ['A0', 'A1', 'B0', 'B1', 'B2'], error: null });
    expect(await exported({ organization: 'org-1', from: 2n })).toEqual({ types: ['B0', 'B1', 'B2'], error: null });
  });

  it('writes every event before one that is no longer JSON, then stops naming it', async () => {
    const db = new Database(join(dir, 'events.sqlite'));
    db.prepare("UPDATE events SET data = '{not json' WHERE position = 4").run();
    db.close();
    const { types, error } = await exported();
    expect(types).toEqual(['A0', 'A1', 'B0']);
    expect(error).toBeInstanceOf(UnreadableEventError);
    expect((error as Error).message).toBe('The event at position 4 (stream b, revision 1) cannot be read: its data is not JSON (changed outside the store)');
  });
});
