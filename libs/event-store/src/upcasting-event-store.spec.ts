import { describe, expect, it } from '@jest/globals';
import type { NewEvent } from './event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { NewerSchemaVersionError, UpcasterRegistry, UpcastingEventStore } from './upcasting-event-store.js';

const registry = new UpcasterRegistry([
  { type: 'Renamed', fromVersion: 1, upcast: ({ name, ...rest }) => ({ ...rest, Name: name }) },
  { type: 'Renamed', fromVersion: 2, upcast: (data) => ({ ...data, Tags: [] }) },
]);

const event = (type: string, data: Record<string, unknown>, schemaVersion: number): NewEvent => ({
  type,
  data,
  metadata: { organization: 'o', actor: 'a', occurredAt: '2026-01-01T00:00:00.000Z', correlationId: 'c', causationId: null, schemaVersion },
});

describe('upcasting decorator', () => {
  it('lifts old versions step by step on every read path and leaves current ones alone', async () => {
    const raw = new SqliteEventStore(':memory:');
    const store = new UpcastingEventStore(raw, registry);
    await raw.append('s', [event('Renamed', { name: 'v1' }, 1), event('Renamed', { Name: 'v2' }, 2)], 'no_stream');
    await store.append('s', [event('Renamed', { Name: 'v3', Tags: ['x'] }, 1), event('Other', { k: 1 }, 7)], 1n);

    const read = await store.readStream('s');
    expect(read.map((e) => [e.data, e.metadata.schemaVersion])).toEqual([
      [{ Name: 'v1', Tags: [] }, 3],
      [{ Name: 'v2', Tags: [] }, 3],
      [{ Name: 'v3', Tags: ['x'] }, 3],
      [{ k: 1 }, 1],
    ]);
    expect((await store.readAll({ limit: 10 })).map((e) => e.data)).toEqual(read.map((e) => e.data));
    // Stored as written: appends are stamped with the current version, old events are not rewritten.
    expect((await raw.readStream('s')).map((e) => e.metadata.schemaVersion)).toEqual([1, 2, 3, 1]);
    await store.close();
  });

  it('refuses to read an event a newer version wrote in a shape this one does not know, naming it', async () => {
    const raw = new SqliteEventStore(':memory:');
    const store = new UpcastingEventStore(raw, registry);
    await raw.append('s', [event('Renamed', { Name: 'v4', Tags: [], Colour: 'red' }, 4)], 'no_stream');
    await expect(store.readStream('s')).rejects.toThrow(NewerSchemaVersionError);
    await expect(store.readAll({ limit: 10 })).rejects.toThrow('(Renamed in stream s) has schema version 4, newer than this version of the service reads (3)');
    await store.close();
  });
});
