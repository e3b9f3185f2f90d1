import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { NewEvent } from '../../../event-store/src/event-store.js';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import type { CommandContext } from '../event-sourcing/command-context.js';
import { LeftEventsReactor } from './left-events.reactor.js';
import type { RegistrationSupport } from './registration-support.js';

const metadata = { organization: 'org', actor: 'alice', correlationId: 'req-1', causationId: null, occurredAt: '2026-03-01T17:00:00.000Z', schemaVersion: 1 };
const event = (type: string, data: Record<string, unknown>): NewEvent => ({ type, data, metadata });
const cancelled = (registration: string, eventId: string) => event('RegistrationCancelled', { RegistrationId: registration, EventId: eventId, Reason: null });

/** The exam events the reactor asked to complete, in order. */
class RecordedLeaving {
  readonly left: string[] = [];
  readonly support = {
    leftEvent: async (_context: CommandContext, eventId: string) => {
      this.left.push(eventId);
      return null;
    },
  } as unknown as RegistrationSupport;
}

describe('LeftEventsReactor', () => {
  let store: SqliteEventStore;
  let recorded: RecordedLeaving;
  let reactor: LeftEventsReactor;

  beforeEach(() => {
    store = new SqliteEventStore(':memory:');
    recorded = new RecordedLeaving();
    reactor = new LeftEventsReactor(store, recorded.support);
  });
  afterEach(() => store.close());

  it('acts on the event each leaving registration event names, in log order, and on nothing else', async () => {
    await reactor.catchUp(); // on the empty log: followed from its beginning
    await store.append('registration-1', [event('RegistrationRequested', { RegistrationId: '1', EventId: 'e1' }), cancelled('1', 'e1')], 'no_stream');
    await store.append('registration-2', [event('RegistrationTransferred', { RegistrationId: '2', FromEventId: 'e2', ToEventId: 'e3' })], 'no_stream');
    await store.append('registration-3', [event('RegistrationDeleted', { RegistrationId: '3', EventId: 'e4' })], 'no_stream');
    await reactor.catchUp();
    expect(recorded.left).toEqual(['e1', 'e2', 'e4']);
    expect(await store.loadCheckpoint('left-individual-events')).toBe(await store.headPosition());

    await reactor.catchUp();
    expect(recorded.left).toEqual(['e1', 'e2', 'e4']);
  });

  it('reads the log window by window up to its end', async () => {
    await reactor.catchUp();
    const filler = Array.from({ length: 12_000 }, (_, i) => event('AccommodationGranted', { RegistrationId: '1', Type: `T${i}` }));
    await store.append('registration-1', [cancelled('1', 'e1'), ...filler, cancelled('1', 'e2')], 'no_stream');
    await reactor.catchUp();
    expect(recorded.left).toEqual(['e1', 'e2']);
    expect(await store.loadCheckpoint('left-individual-events')).toBe(await store.headPosition());
  });

  it('starts at the head of a log it never ran on (an upgrade), then acts on what follows', async () => {
    await store.append('registration-1', [cancelled('1', 'before')], 'no_stream');
    await reactor.catchUp();
    await store.append('registration-2', [cancelled('2', 'after')], 'no_stream');
    await reactor.catchUp();
    expect(recorded.left).toEqual(['after']);
  });

  it('goes on from its checkpoint in a new process', async () => {
    await reactor.catchUp();
    await store.append('registration-1', [cancelled('1', 'e1')], 'no_stream');
    await reactor.catchUp();
    await store.append('registration-2', [cancelled('2', 'e2')], 'no_stream');
    const next = new RecordedLeaving();
    await new LeftEventsReactor(store, next.support).catchUp();
    expect(next.left).toEqual(['e2']);
  });
});
