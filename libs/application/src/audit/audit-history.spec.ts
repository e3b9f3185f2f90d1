import { describe, expect, it } from '@jest/globals';
import type { ReadStreamOptions, StoredEvent } from '../../../event-store/src/event-store.js';
import { ForwardingEventStore } from '../../../event-store/src/forwarding-event-store.js';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import { registrationStreamId } from '../../../domain/src/registration/registration.state.js';
import { AuditHistory } from './audit-history.js';
import { RegistrationAsOf } from './registration-as-of.js';

const OWNER = 'aaaaaaaa-0000-4000-8000-000000000001';
const OTHER = 'bbbbbbbb-0000-4000-8000-000000000002';
const REGISTRATION = 'cccccccc-0000-4000-8000-000000000003';

/** Counts the events every read of a stream hands back. */
class CountingStore extends ForwardingEventStore {
  eventsRead = 0;
  override async readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    const events = await super.readStream(streamId, options);
    this.eventsRead += events.length;
    return events;
  }
}

async function storeWithLongHistory(): Promise<CountingStore> {
  const store = new CountingStore(new SqliteEventStore(':memory:'));
  const metadata = { organization: OWNER, actor: 'alice', occurredAt: '2026-11-29T10:00:00.000Z', correlationId: 'r', causationId: 'r', schemaVersion: 1 };
  const granted = Array.from({ length: 500 }, (_, n) => ({ type: 'AccommodationGranted', data: { Type: `T${n}` }, metadata }));
  await store.append(registrationStreamId(REGISTRATION), [{ type: 'RegistrationRequested', data: { Organization: OWNER }, metadata }, ...granted], 'no_stream');
  store.eventsRead = 0;
  return store;
}

describe('audit history', () => {
  it('answers another organization as if the stream did not exist, after reading its first event only', async () => {
    const store = await storeWithLongHistory();
    // Reading the whole stream first made the 404 take longer the longer that stream was.
    await expect(new AuditHistory(store).registration(OTHER, REGISTRATION)).rejects.toThrow(`Registration not found: ${REGISTRATION}`);
    expect(store.eventsRead).toBe(1);
    await store.close();
  });

  it('answers a time-travel retrieve of another organization the same way, after reading its first event only', async () => {
    const store = await storeWithLongHistory();
    await expect(new RegistrationAsOf(store).retrieve(OTHER, REGISTRATION, new Date('2026-11-30T00:00:00Z'))).rejects.toThrow(`Registration not found: ${REGISTRATION}`);
    expect(store.eventsRead).toBe(1);
    await store.close();
  });

  it('folds time travel from the stream’s start up to its first event after the instant, never a later one stamped earlier', async () => {
    // A command stamps its time when its request arrives, so an append delayed behind another can
    // record an earlier time than the event before it: taking every event up to the instant would
    // show Scribe without Reader, a state the registration never had.
    const store = new SqliteEventStore(':memory:');
    const at = (occurredAt: string) => ({ organization: OWNER, actor: 'alice', occurredAt, correlationId: 'r', causationId: 'r', schemaVersion: 1 });
    const requested = { RegistrationId: REGISTRATION, Organization: OWNER, EventId: 'dddddddd-0000-4000-8000-000000000004', LearnerId: 'eeeeeeee-0000-4000-8000-000000000005', Passcode: 'ABCDEFGHJKLM', Status: 'Registered' };
    const grant = (Type: string) => ({ RegistrationId: REGISTRATION, Type, Name: null, TimeExtension: null });
    await store.append(
      registrationStreamId(REGISTRATION),
      [
        { type: 'RegistrationRequested', data: requested, metadata: at('2026-11-29T10:00:00.000Z') },
        { type: 'AccommodationGranted', data: grant('Reader'), metadata: at('2026-11-29T10:05:00.000Z') },
        { type: 'AccommodationGranted', data: grant('Scribe'), metadata: at('2026-11-29T10:01:00.000Z') },
      ],
      'no_stream',
    );
    const asOf = (instant: string) => new RegistrationAsOf(store).retrieve(OWNER, REGISTRATION, new Date(instant));
    expect((await asOf('2026-11-29T10:02:00Z')).Accommodations).toEqual([]);
    expect(((await asOf('2026-11-29T10:06:00Z')).Accommodations as Array<{ Type: string }>).map((a) => a.Type)).toEqual(['Reader', 'Scribe']);
    await store.close();
  });

  it('gives its own organization every event of the stream, in order', async () => {
    const store = await storeWithLongHistory();
    const history = await new AuditHistory(store).registration(OWNER, REGISTRATION);
    expect(history.map((entry) => entry.Revision)).toEqual(Array.from({ length: 501 }, (_, n) => String(n)));
    await store.close();
  });
});
