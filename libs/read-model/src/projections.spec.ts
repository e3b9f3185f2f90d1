import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredEvent } from '../../event-store/src/event-store.js';
import type { ReadView } from './read-store.js';
import { allProjections } from './projections.js';

/** Every domain event type, as the domain's sources declare them (`DomainEvent<'Type', …>`). */
function domainEventTypes(): string[] {
  const root = new URL('../../domain/src/', import.meta.url).pathname;
  const sources = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));
  const types = sources.flatMap((file) => [...readFileSync(join(root, file), 'utf8').matchAll(/DomainEvent<'(\w+)'/g)].map((match) => match[1]));
  return [...new Set(types)].sort();
}

/** A view that fails the test if a projection reads anything. */
const untouchable = new Proxy({}, { get: () => () => Promise.reject(new Error('read')) }) as ReadView;

describe('eventTypes (what a rebuild may leave unread)', () => {
  const types = domainEventTypes();

  it('finds the domain event types', () => {
    expect(types).toEqual(expect.arrayContaining(['RegistrationRequested', 'ExamScheduled', 'LearnerDefined']));
  });

  for (const projection of allProjections.filter((p) => p.eventTypes)) {
    it(`${projection.name}: every type it does not declare changes nothing, on any stream`, async () => {
      for (const type of types.filter((t) => !projection.eventTypes!.includes(t))) {
        for (const streamId of [`registration-x`, `examEvent-x`, `learner-x`]) {
          const event: StoredEvent = { streamId, revision: 0n, position: 1n, type, data: {}, metadata: { organization: 'o', actor: 'a', occurredAt: new Date(0).toISOString(), correlationId: 'c', causationId: null, schemaVersion: 1 } };
          expect({ type, changes: await projection.project(event, untouchable) }).toEqual({ type, changes: [] });
        }
      }
    });
  }
});
