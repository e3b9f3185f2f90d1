import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '../../../event-store/src/event-store.js';
import type { Change } from '../read-store.js';
import { SqliteReadStore } from '../sqlite-read-store.js';
import { examEventsProjection } from './exam-events.projection.js';
import { ExamEventQueries } from './exam-events.queries.js';

const ORG = '0b7c6a52-54b5-4e4f-9a55-0c1c1f0f2a01';
const VENUE = '5e0f7d1c-9a6b-4c3e-8d2f-1b0a9c8e7f04';

let position = 0n;
function stored(type: string, data: Record<string, unknown>): StoredEvent {
  position += 1n;
  return {
    streamId: 'any',
    revision: 0n,
    position,
    type,
    data,
    metadata: { organization: ORG, actor: 't', occurredAt: '2026-01-01T00:00:00.000Z', correlationId: 'c', causationId: null, schemaVersion: 1 },
  };
}

const scheduled = (eventId: string, number: number, venueTimeZone = 'America/Vancouver') =>
  stored('ExamScheduled', {
    EventId: eventId,
    Organization: ORG,
    Number: number,
    Venue: VENUE,
    VenueName: 'North Hall',
    VenueTimeZone: venueTimeZone,
    Start: '2030-03-01T17:00:00.000Z',
    End: '2030-03-01T20:00:00.000Z',
    DurationMinutes: 180,
    ExamType: 'Class',
    Format: 'Paper',
    BillingCode: 'FEE',
    RegistrationLimit: 2,
    Source: 'API',
    Title: 'North Hall / No Exam',
    Status: 'Scheduled',
  });
const requested = (registrationId: string, eventId: string) =>
  stored('RegistrationRequested', {
    RegistrationId: registrationId,
    Organization: ORG,
    EventId: eventId,
    LearnerId: 'l',
    Passcode: 'P',
    Status: 'Registered',
  });

describe('examEvents projection', () => {
  let dir: string;
  let store: SqliteReadStore;
  let queries: ExamEventQueries;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exam-events-projection-'));
    store = new SqliteReadStore(join(dir, 'read.sqlite'));
    await store.ensureCollections(examEventsProjection.collections);
    queries = new ExamEventQueries(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Applies events one batch each, as the runner would after a restart at any point. */
  async function apply(events: readonly StoredEvent[]) {
    for (const event of events) {
      await store.runBatch(examEventsProjection.name, async (session) => {
        await session.apply(await examEventsProjection.project(event, session));
        return event.position;
      });
    }
  }
  const counts = async () =>
    Object.fromEntries(
      (await queries.listEvents(ORG, { year: 2030, month: 3, day: null })).map((e) => [e.EventIdentifier, [e.RegistrationCount, e.EventStatus, e.EventTitle]]),
    );

  const history = () => [
    scheduled('e1', 1),
    scheduled('e2', 2),
    requested('r1', 'e1'),
    requested('r2', 'e1'),
    requested('r3', 'e1'),
    stored('RegistrationTransferred', { RegistrationId: 'r2', FromEventId: 'e1', ToEventId: 'e2', Reason: null }),
    stored('RegistrationCancelled', { RegistrationId: 'r3', EventId: 'e1', Reason: null }),
    stored('RegistrationDeleted', { RegistrationId: 'r1', EventId: 'e1' }),
    requested('r4', 'e2'),
    stored('ExamFormAttached', { EventId: 'e2', FormId: 'f1', FormTitle: 'Chemistry' }),
    stored('ExamEventCancelled', { EventId: 'e1', Reason: null, Automatic: false }),
  ];

  it('counts active registrations through request, transfer, cancel and delete', async () => {
    const events = history();
    await apply(events.slice(0, 5));
    expect(await counts()).toEqual({ e1: [3, 'Scheduled', 'North Hall / No Exam'], e2: [0, 'Scheduled', 'North Hall / No Exam'] });
    await apply(events.slice(5));
    expect(await counts()).toEqual({ e1: [0, 'Cancelled', 'North Hall / No Exam'], e2: [2, 'Scheduled', 'North Hall / Chemistry'] });
    expect(await queries.activeRegistrations('e2')).toBe(2);
  });

  it('converges to the same read model when any suffix of the log is replayed', async () => {
    const events = history();
    await apply(events);
    const once = await counts();
    for (const from of [0, 3, 6, 8]) {
      await apply(events.slice(from));
      expect(await counts()).toEqual(once);
    }
  });

  it('reports the event full in classes once active registrations reach the limit', async () => {
    await apply([scheduled('e1', 1), requested('r1', 'e1'), requested('r2', 'e1')]);
    const [listed] = await queries.classes(ORG, new Date('2030-01-01T00:00:00Z'));
    expect(listed).toMatchObject({ Identifier: 'e1', Start: '2030-03-01T09:00:00-08:00', RegistrationLimit: 2, IsFull: true });
    await apply([stored('RegistrationCancelled', { RegistrationId: 'r2', EventId: 'e1', Reason: null })]);
    expect((await queries.classes(ORG, new Date('2030-01-01T00:00:00Z')))[0].IsFull).toBe(false);
    expect(await queries.classes(ORG, new Date('2030-03-01T17:00:00Z'))).toEqual([]);
  });

  it('shows events in their venue’s new time zone once it changes: listings, classes and the local day they fall on', async () => {
    const venueDefined = (TimeZone: string, Organization = ORG) =>
      stored('VenueDefined', { Organization, VenueId: VENUE, Name: 'North Hall', TimeZone, Address: null });
    const day = (d: number) => queries.listEvents(ORG, { year: 2030, month: 3, day: d });
    await apply([venueDefined('America/Vancouver'), scheduled('e1', 1)]);
    expect((await day(1)).map((e) => [e.EventStart, e.EventEnd])).toEqual([['2030-03-01T09:00:00-08:00', '2030-03-01T12:00:00-08:00']]);

    // Another organization's venue of the same id changes nothing here.
    await apply([venueDefined('Asia/Tokyo', '7d1e3f40-2b7a-4a54-8f38-3f1f6b8f0c02')]);
    expect((await day(1)).map((e) => e.EventStart)).toEqual(['2030-03-01T09:00:00-08:00']);

    // 17:00 UTC is 07:00 the next day at UTC+14, where the event scheduled afterwards is as well.
    await apply([venueDefined('Pacific/Kiritimati'), scheduled('e2', 2, 'Pacific/Kiritimati')]);
    expect(await day(1)).toEqual([]);
    expect((await day(2)).map((e) => [e.EventIdentifier, e.EventStart, e.EventEnd])).toEqual([
      ['e1', '2030-03-02T07:00:00+14:00', '2030-03-02T10:00:00+14:00'],
      ['e2', '2030-03-02T07:00:00+14:00', '2030-03-02T10:00:00+14:00'],
    ]);
    expect((await queries.classes(ORG, new Date('2030-01-01T00:00:00Z'))).map((c) => c.Start)).toEqual(['2030-03-02T07:00:00+14:00', '2030-03-02T07:00:00+14:00']);
    // Redefined with the same name and zone: no event matches the change.
    const changes = await examEventsProjection.project(venueDefined('Pacific/Kiritimati'), store);
    expect(changes.map((change) => change.kind)).toEqual(['upsert', 'updateMany']);
    const zone = changes[1];
    expect(zone.kind === 'updateMany' && (await store.count(zone.collection, zone.filter))).toBe(0);
  });

  it('shows an event in its venue’s current zone when the venue changed it after the scheduler read it (the zone ExamScheduled records is older)', async () => {
    const venueDefined = (TimeZone: string) => stored('VenueDefined', { Organization: ORG, VenueId: VENUE, Name: 'North Hall', TimeZone, Address: null });
    // The scheduler read Vancouver; Tokyo was appended before the event: the log's order is what counts.
    await apply([venueDefined('America/Vancouver'), venueDefined('Asia/Tokyo'), scheduled('e1', 1, 'America/Vancouver')]);
    expect((await queries.get(ORG, 'e1'))?.EventStart).toBe('2030-03-02T02:00:00+09:00');
    expect((await queries.listEvents(ORG, { year: 2030, month: 3, day: 2 })).map((e) => e.EventIdentifier)).toEqual(['e1']);
    expect(await queries.listEvents(ORG, { year: 2030, month: 3, day: 1 })).toEqual([]);
    expect((await queries.classes(ORG, new Date('2030-01-01T00:00:00Z'))).map((c) => c.Start)).toEqual(['2030-03-02T02:00:00+09:00']);
  });

  it('lists an event on its venue’s local day and month at UTC+14, 10 hours before that day begins in UTC, and not on the UTC day it falls on', async () => {
    const at = (eventId: string, number: number, Start: string, End: string) =>
      stored('ExamScheduled', { ...scheduled(eventId, number, 'Pacific/Kiritimati').data, Start, End, DurationMinutes: 30 });
    // 00:00–00:30 on 2 March and on 1 April at UTC+14, ending before noon of the UTC day before.
    await apply([at('e1', 1, '2030-03-01T10:00:00.000Z', '2030-03-01T10:30:00.000Z'), at('e2', 2, '2030-03-31T10:00:00.000Z', '2030-03-31T10:30:00.000Z')]);
    const listed = async (period: { month: number; day: number | null }) => (await queries.listEvents(ORG, { year: 2030, ...period })).map((e) => e.EventIdentifier);
    expect(await listed({ month: 3, day: 2 })).toEqual(['e1']);
    expect(await listed({ month: 3, day: 1 })).toEqual([]);
    expect(await listed({ month: 4, day: 1 })).toEqual(['e2']);
    expect(await listed({ month: 4, day: null })).toEqual(['e2']);
    expect(await listed({ month: 3, day: null })).toEqual(['e1']);
    expect((await queries.get(ORG, 'e2'))?.EventStart).toBe('2030-04-01T00:00:00+14:00');
  });

  it('titles an event with its venue’s current name and its forms’ current titles: none, one, several (spec §3, §5)', async () => {
    const OTHER = '7d1e3f40-2b7a-4a54-8f38-3f1f6b8f0c02';
    const venue = (Name: string, Organization = ORG) => stored('VenueDefined', { Organization, VenueId: VENUE, Name, TimeZone: 'America/Vancouver', Address: null });
    const form = (FormId: string, Title: string | null, Name: string | null = null, Organization = ORG) =>
      stored('AssessmentFormDefined', { Organization, FormId, Code: `CODE-${FormId}`, Name, Title, Status: 'Published', Asset: 1, TimeLimit: null });
    const attached = (EventId: string, FormId: string, FormTitle: string) => stored('ExamFormAttached', { EventId, FormId, FormTitle });
    const titles = async () => Object.fromEntries((await queries.listEvents(ORG, { year: 2030, month: 3, day: null })).map((e) => [e.EventIdentifier, e.EventTitle]));
    const events = [
      venue('North Hall'),
      form('f1', 'Chemistry'),
      form('f2', 'Physics'),
      scheduled('e1', 1),
      scheduled('e2', 2),
      scheduled('e3', 3),
      // The title the attachment recorded is the command's; the projection shows the form's as the log has it.
      attached('e2', 'f1', 'Chemistry (as read)'),
      attached('e3', 'f1', 'Chemistry'),
      attached('e3', 'f2', 'Physics'),
    ];
    await apply(events);
    expect(await titles()).toEqual({ e1: 'North Hall / No Exam', e2: 'North Hall / Chemistry', e3: 'North Hall / Various' });

    // Another organization's venue and form of the same ids change nothing here.
    const renames = [venue('Hall B', OTHER), form('f1', 'Biology', null, OTHER), form('f1', null, 'Chemistry final'), venue('South Hall')];
    await apply(renames.slice(0, 2));
    expect(await titles()).toEqual({ e1: 'North Hall / No Exam', e2: 'North Hall / Chemistry', e3: 'North Hall / Various' });
    await apply(renames.slice(2));
    expect(await titles()).toEqual({ e1: 'South Hall / No Exam', e2: 'South Hall / Chemistry final', e3: 'South Hall / Various' });

    // The same form again, or a third one, leaves a title as it is; an event scheduled now shows the venue's current name.
    const later = [attached('e2', 'f1', 'Chemistry'), attached('e3', 'f1', 'Chemistry'), form('f2', 'Physics II'), scheduled('e4', 4)];
    await apply(later);
    expect(await titles()).toEqual({ e1: 'South Hall / No Exam', e2: 'South Hall / Chemistry final', e3: 'South Hall / Various', e4: 'South Hall / No Exam' });

    // Replayed from any point, the log gives the same titles.
    const all = [...events, ...renames, ...later];
    const once = await titles();
    for (const from of [0, 4, 7, 10]) {
      await apply(all.slice(from));
      expect(await titles()).toEqual(once);
    }
  });

  it('counts an event once when a crash left its count written but not its member (MongoDB applies collection by collection)', async () => {
    const events = history();
    await apply(events.slice(0, 4));
    const r4 = requested('r4', 'e1');
    // As far as MongoDB gets when it stops after the first collection of the event's changes.
    await store.runBatch(examEventsProjection.name, async (session) => {
      const changes = await examEventsProjection.project(r4, session);
      expect(changes[0]).toMatchObject({ kind: 'patch', collection: 'exam_events', set: { RegistrationCount: 3 } });
      await session.apply(changes.slice(0, 1));
      return events[3].position;
    });
    expect(await queries.activeRegistrations('e1')).toBe(3);
    await apply([r4]);
    expect(await queries.activeRegistrations('e1')).toBe(3);
    expect((await counts()).e1[0]).toBe(3);
    await apply([stored('RegistrationCancelled', { RegistrationId: 'r4', EventId: 'e1', Reason: null })]);
    expect(await queries.activeRegistrations('e1')).toBe(2);
  });

  it('writes only small documents per registration: its member, and the count on the event', async () => {
    const r1 = requested('r1', 'e1');
    await apply([scheduled('e1', 1), r1]);
    const r2 = requested('r2', 'e1');
    await store.runBatch(examEventsProjection.name, async (session) => {
      expect(await examEventsProjection.project(r2, session)).toEqual([
        { kind: 'patch', collection: 'exam_events', id: 'e1', set: { RegistrationCount: 2, CountPosition: String(r2.position) } },
        { kind: 'upsert', collection: 'exam_event_members', doc: { _id: 'e1/r2' } },
      ]);
      return r1.position;
    });
  });
  it('survives a transfer stopped twice between its writes as MongoDB makes them (counts before members)', async () => {
    await apply([scheduled('e1', 1), scheduled('e2', 2), requested('r1', 'e1')]);
    const moved = stored('RegistrationTransferred', { RegistrationId: 'r1', FromEventId: 'e1', ToEventId: 'e2' });
    /** MongoSession.flush's order: collection by collection, in the order of their first change. */
    const byCollection = (changes: readonly Change[]) => {
      const groups = new Map<string, Change[]>();
      for (const change of changes) groups.set(change.collection, [...(groups.get(change.collection) ?? []), change]);
      return [...groups.values()];
    };
    const stopAfter = (keep: (changes: readonly Change[]) => readonly Change[]) =>
      store.runBatch(examEventsProjection.name, async (session) => {
        await session.apply(keep(await examEventsProjection.project(moved, session)));
        return moved.position;
      });
    // Stopped inside the first bulk write: only the source event's count was written.
    await stopAfter((changes) => byCollection(changes)[0].slice(0, 1));
    // The replay finds that side counted; stopped again after its first collection.
    await stopAfter((changes) => byCollection(changes)[0]);
    await apply([moved]);
    expect([await queries.activeRegistrations('e1'), await queries.activeRegistrations('e2')]).toEqual([0, 1]);
  });
});
