import { describe, expect, it } from '@jest/globals';
import type { StoredEvent } from '../../../event-store/src/event-store.js';
import { eventSchemas } from './audited-event-store.js';

const stored = (type: string, data: Record<string, unknown>, schemaVersion: number): StoredEvent => ({
  streamId: 'venue-o-v',
  revision: 0n,
  position: 1n,
  type,
  data,
  metadata: { organization: 'o', actor: 'a', occurredAt: '2026-01-01T00:00:00.000Z', correlationId: 'c', causationId: null, schemaVersion },
});

describe('the domain events’ upcasters', () => {
  it('groups a VenueDefined v1’s flat address fields under Address (null when none is set)', () => {
    const flat = eventSchemas.upcast(stored('VenueDefined', { Name: 'Old Hall', Street: ' ', City: 'Victoria', Province: '', PostalCode: null }, 1));
    expect([flat.data, flat.metadata.schemaVersion]).toEqual([
      { Name: 'Old Hall', Address: { Street: null, City: 'Victoria', Province: null, PostalCode: null, Country: null } },
      2,
    ]);
    expect(eventSchemas.upcast(stored('VenueDefined', { Name: 'Bare Hall', City: ' ' }, 1)).data).toEqual({ Name: 'Bare Hall', Address: null });
  });

  it('leaves the address of a VenueDefined stamped v1 before versioning, already grouped, as it was', () => {
    const address = { Street: '1 Main St', City: 'Victoria', Province: 'BC', PostalCode: 'V8W 1A1', Country: 'CA' };
    const grouped = eventSchemas.upcast(stored('VenueDefined', { Name: 'North Hall', Address: address }, 1));
    expect([grouped.data, grouped.metadata.schemaVersion]).toEqual([{ Name: 'North Hall', Address: address }, 2]);
    const current = stored('VenueDefined', { Name: 'North Hall', Address: address }, 2);
    expect(eventSchemas.upcast(current)).toBe(current);
  });
});
