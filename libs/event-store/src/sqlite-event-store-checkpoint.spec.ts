import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NewEvent } from './event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

const event = (n: number): NewEvent => ({
  type: 'Noted',
  data: { n, text: 'x'.repeat(500) },
  metadata: { organization: 'org', actor: 'alice', occurredAt: '2026-03-01T17:00:00.000Z', correlationId: 'r', causationId: null, schemaVersion: 1 },
});

describe('SqliteEventStore checkpointing in the background', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wal-checkpoint-'));
    file = join(dir, 'events.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies commits into the database file while the writer keeps running, and closes cleanly', async () => {
    const store = new SqliteEventStore(file, { checkpoint: 'background' });
    const emptySize = statSync(file).size;
    for (let n = 0; n < 200; n++) await store.append(`s-${n}`, [event(n)], 'no_stream');
    // Far fewer frames than SQLite's automatic threshold: only the background pass copies them.
    const deadline = Date.now() + 5000;
    while (statSync(file).size === emptySize && Date.now() < deadline) await sleep(50);
    expect(statSync(file).size).toBeGreaterThan(emptySize);
    await store.close();

    const reopened = new SqliteEventStore(file);
    expect(await reopened.readAll({ limit: 1000 })).toHaveLength(200);
    await reopened.close();
  });
});
