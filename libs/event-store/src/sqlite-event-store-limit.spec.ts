import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { SqliteEventStore } from './sqlite-event-store.js';

describe('SqliteEventStore reads of the log', () => {
  const prepare = Database.prototype.prepare;
  afterEach(() => {
    Database.prototype.prepare = prepare;
  });

  it('bind their LIMIT as a value SQLite reads at run time, so that it does not prepare them again at each read', async () => {
    // SQLite (3.51 here) may plan with a bare `LIMIT ?`'s bound value, so every new binding expires the
    // statement and its next step prepares it again (10–20 µs, docs/performance.md, session 12);
    // `LIMIT +?` is read at run time only. Nothing in the answers shows the difference.
    const prepared: string[] = [];
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      prepared.push(sql);
      return prepare.call(this, sql);
    } as typeof prepare;
    const store = new SqliteEventStore(':memory:');
    await store.append('s-1', [{ type: 'Noted', data: { n: 1 }, metadata: { organization: 'org', actor: 'alice', occurredAt: '2026-03-01T17:00:00.000Z', correlationId: 'c', causationId: null, schemaVersion: 1 } }], 'no_stream');
    const read = await store.readAll({ limit: 10 });
    const part = await store.readAllOfPart({ limit: 10 }, { streamPrefix: 'x-', buckets: [1, 16] });
    await store.close();

    expect(read).toHaveLength(1);
    expect(part.events).toHaveLength(1);
    const limited = prepared.filter((sql) => /\bLIMIT\b/.test(sql));
    expect(limited.length).toBeGreaterThanOrEqual(2);
    expect(limited.filter((sql) => !/\bLIMIT \+\?/.test(sql))).toEqual([]);
  });
});
