import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '../../../event-store/src/event-store.js';
import { SqliteReadStore } from '../sqlite-read-store.js';
import { registrationsProjection } from './registrations.projection.js';
import { RegistrationQueries } from './registrations.queries.js';
import { REGISTRATION_DETAIL_FIELDS } from './registration-fields.js';

const ORG = '0b7c6a52-54b5-4e4f-9a55-0c1c1f0f2a01';
const REG = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c10';
const EVENT_A = 'c7f0e6f2-6f35-4d8e-9b7e-5a3e2a9d8c03';
const EVENT_B = 'c7f0e6f2-6f35-4d8e-9b7e-5a3e2a9d8c04';
const VENUE = '2b4c1f8e-0000-4000-8000-000000000002';
const LEARNER = '3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a011';
const FORM = 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e705';

let position = 0n;
function stored(streamId: string, type: string, data: Record<string, unknown>, occurredAt = '2031-01-01T10:00:00Z'): StoredEvent {
  position += 1n;
  return {
    streamId,
    revision: 0n,
    position,
    type,
    data,
    metadata: { organization: ORG, actor: 'tester', occurredAt, correlationId: 'c', causationId: 'c', schemaVersion: 1 },
  };
}

const scheduled = (EventId: string, Number: number, Start: string, VenueTimeZone = 'America/Vancouver') =>
  stored(`examEvent-${EventId}`, 'ExamScheduled', {
    EventId, Organization: ORG, Number, Venue: VENUE, VenueName: 'North Hall', VenueTimeZone,
    Start, End: Start, DurationMinutes: 0, ExamType: 'Sitting', Format: 'Paper', BillingCode: 'Fee',
    RegistrationLimit: null, Source: 'API', Title: 'North Hall / No Exam', Status: 'Scheduled',
  });
const reg = (type: string, data: Record<string, unknown>, at?: string) =>
  stored(`registration-${REG}`, type, { RegistrationId: REG, ...data }, at);

const history: StoredEvent[] = [
  stored(`learner-${ORG}-${LEARNER}`, 'LearnerDefined', { Organization: ORG, LearnerId: LEARNER, Name: 'Ada', Email: null, Code: 'P-1' }),
  stored(`assessmentForm-${ORG}-${FORM}`, 'AssessmentFormDefined', {
    Organization: ORG, FormId: FORM, Code: 'CHEM-110', Name: 'Chemistry final', Title: 'Chemistry', Status: 'Published', Asset: 1, TimeLimit: 90,
  }),
  scheduled(EVENT_A, 1, '2031-03-03T17:00:00.000Z'),
  scheduled(EVENT_B, 2, '2031-07-03T16:00:00.000Z'),
  reg('RegistrationRequested', { Organization: ORG, EventId: EVENT_A, LearnerId: LEARNER, Passcode: 'K7QW2MZP9XRT', Status: 'Registered' }),
  reg('ExamFormAssigned', { FormId: FORM, FormCode: 'CHEM-110', FormTimeLimit: 90 }),
  reg('AccommodationGranted', { Type: 'Extra time', Name: null, TimeExtension: 30 }),
  reg('AccommodationGranted', { Type: 'Reader', Name: null, TimeExtension: null }),
  reg('AccommodationGranted', { Type: 'Extra time', Name: 'Half', TimeExtension: 45 }),
  reg('AccommodationRevoked', { Type: 'Reader' }),
  reg('ExamTimeLimited', { ExamTimeLimit: 135 }),
  // Retitled before the move: the row must take the event's current title from the lookup copy.
  stored(`examEvent-${EVENT_B}`, 'ExamFormAttached', { EventId: EVENT_B, FormId: FORM, FormTitle: 'Chemistry' }),
  reg('RegistrationTransferred', { FromEventId: EVENT_A, ToEventId: EVENT_B, Reason: null }),
  stored(`learner-${ORG}-${LEARNER}`, 'LearnerDefined', { Organization: ORG, LearnerId: LEARNER, Name: 'Ada Lovelace', Email: 'ada@example.org', Code: 'P-1' }),
  reg('RegistrationCancelled', { EventId: EVENT_B, Reason: null }, '2031-01-02T08:30:00+01:00'),
];

describe('registrations projection', () => {
  let dir: string;
  let store: SqliteReadStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'registrations-projection-'));
    store = new SqliteReadStore(join(dir, 'read.sqlite'));
    await store.ensureCollections(registrationsProjection.collections);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function apply(events: readonly StoredEvent[]): Promise<void> {
    for (const event of events) {
      await store.runBatch(registrationsProjection.name, async (session) => {
        await session.apply(await registrationsProjection.project(event, session));
        return event.position;
      });
    }
  }

  it('folds the history into the retrieve document, following the catalog and the event, in venue time', async () => {
    await apply(history);
    const shown = JSON.parse((await new RegistrationQueries(store).retrieve(ORG, REG))!) as Record<string, unknown>;
    // The spec's field order, as the stored view renders it.
    expect(Object.keys(shown)).toEqual(REGISTRATION_DETAIL_FIELDS);
    expect(shown).toEqual({
      RegistrationIdentifier: REG,
      RegistrationStatus: 'Cancelled',
      AttendanceStatus: null,
      EventIdentifier: EVENT_B,
      EventNumber: 2,
      EventFormat: 'Paper',
      EventScheduledStart: '2031-07-03T09:00:00-07:00',
      EventVenue: VENUE,
      AssessmentFormIdentifier: FORM,
      AssessmentFormCode: 'CHEM-110',
      AssessmentFormName: 'Chemistry final',
      AssessmentFormTitle: 'Chemistry',
      LearnerIdentifier: LEARNER,
      LearnerCode: 'P-1',
      LearnerName: 'Ada Lovelace',
      LearnerEmail: 'ada@example.org',
      LastChangeTime: '2031-01-02T07:30:00.000Z',
      LastChangeType: 'RegistrationCancelled',
      EventStart: '2031-07-03T09:00:00-07:00',
      EventTitle: 'North Hall / Chemistry',
      EventExamType: 'Sitting',
      EligibilityStatus: null,
      ApprovalStatus: null,
      RegistrantType: null,
      ExamTimeLimit: 135,
      Accommodations: [{ Type: 'Extra time', Name: 'Half', TimeExtension: 45 }],
    });
    expect(await new RegistrationQueries(store).retrieve('7d1e3f40-2b7a-4a54-8f38-3f1f6b8f0c02', REG)).toBeNull();
  });

  it('changes nothing when events already applied are applied again (a crash replays them)', async () => {
    await apply(history);
    const once = await store.get('registrations', REG);
    await apply(history.slice(4));
    expect(await store.get('registrations', REG)).toEqual(once);
  });

  const venueDefined = (TimeZone: string, Organization = ORG) =>
    stored(`venue-${Organization}-${VENUE}`, 'VenueDefined', { Organization, VenueId: VENUE, Name: 'North Hall', TimeZone, Address: null });
  const retrieved = async () => JSON.parse((await new RegistrationQueries(store).retrieve(ORG, REG))!) as Record<string, unknown>;

  it('shows the event times in the venue’s new time zone once the venue changes it, then as later events record theirs', async () => {
    await apply([...history, venueDefined('America/New_York')]);
    expect(await retrieved()).toMatchObject({ EventScheduledStart: '2031-07-03T12:00:00-04:00', EventStart: '2031-07-03T12:00:00-04:00' });
    const [row] = await store.find('registrations', { EventIdentifier: EVENT_B });
    expect(row).toMatchObject({ EventStart: '2031-07-03T12:00:00-04:00', LastChangeType: 'RegistrationCancelled' });

    const EVENT_C = 'c7f0e6f2-6f35-4d8e-9b7e-5a3e2a9d8c05';
    await apply([scheduled(EVENT_C, 3, '2031-09-01T13:00:00.000Z', 'America/New_York'), reg('RegistrationTransferred', { FromEventId: EVENT_B, ToEventId: EVENT_C, Reason: null })]);
    expect(await retrieved()).toMatchObject({ EventIdentifier: EVENT_C, EventStart: '2031-09-01T09:00:00-04:00' });
    // Back to Vancouver: both events' copies and the row follow.
    await apply([venueDefined('America/Vancouver')]);
    expect(await retrieved()).toMatchObject({ EventStart: '2031-09-01T06:00:00-07:00', EventScheduledStart: '2031-09-01T06:00:00-07:00' });
    expect(await store.get('registrations_events', EVENT_B)).toMatchObject({ EventStart: '2031-07-03T09:00:00-07:00' });
  });

  it('shows an event scheduled after its venue changed zone in the new zone, though its ExamScheduled records the zone the scheduler read', async () => {
    const [learner, form] = history;
    // Tokyo was appended between the scheduler's read of the venue (Vancouver) and the event's append.
    await apply([
      learner,
      form,
      venueDefined('America/Vancouver'),
      venueDefined('Asia/Tokyo'),
      scheduled(EVENT_B, 2, '2031-07-03T16:00:00.000Z', 'America/Vancouver'),
      reg('RegistrationRequested', { Organization: ORG, EventId: EVENT_B, LearnerId: LEARNER, Passcode: 'K7QW2MZP9XRT', Status: 'Registered' }),
    ]);
    expect(await retrieved()).toMatchObject({ EventIdentifier: EVENT_B, EventScheduledStart: '2031-07-04T01:00:00+09:00', EventStart: '2031-07-04T01:00:00+09:00' });
    expect(await store.get('registrations_events', EVENT_B)).toMatchObject({ EventStart: '2031-07-04T01:00:00+09:00' });
  });

  it('changes no row when a venue is redefined with the zone its events show, or another organization’s venue of that id changes', async () => {
    await apply([...history, venueDefined('America/Vancouver')]);
    const before = await store.get('registrations', REG);
    expect(before).toMatchObject({ EventStart: '2031-07-03T09:00:00-07:00' });
    // This projection's copies of the events too: a later change of the event's form retitles the rows from them.
    const eventCopies = await store.find('registrations_events', {});
    const retrievedBefore = await retrieved();
    const renamed = venueDefined('America/Vancouver');
    // Only this projection's copy of the venue is written.
    expect((await registrationsProjection.project(renamed, store)).map((change) => change.collection)).toEqual(['registrations_venues']);
    await apply([renamed, venueDefined('Asia/Tokyo', '7d1e3f40-2b7a-4a54-8f38-3f1f6b8f0c02')]);
    expect(await store.get('registrations', REG)).toEqual(before);
    expect(await store.find('registrations_events', {})).toEqual(eventCopies);
    expect(await retrieved()).toEqual(retrievedBefore);
  });

  it('finishes a venue’s new time zone when a crash wrote its rows but not the events’ copies (MongoDB writes collection by collection)', async () => {
    await apply(history);
    const moved = venueDefined('America/New_York');
    const changes = await registrationsProjection.project(moved, store);
    // The rows come first, so a crash can leave only this state, never copies without rows.
    expect(changes.map((change) => change.collection)).toEqual(['registrations_venues', 'registrations', 'registrations', 'registrations_events', 'registrations_events']);
    await store.runBatch(registrationsProjection.name, async (session) => {
      await session.apply(changes.filter((change) => change.collection === 'registrations'));
      return history[history.length - 1].position;
    });
    await apply([moved]);
    expect(await retrieved()).toMatchObject({ EventStart: '2031-07-03T12:00:00-04:00' });
    expect(await store.get('registrations_events', EVENT_B)).toMatchObject({ EventStart: '2031-07-03T12:00:00-04:00' });
    expect(await store.get('registrations_events', EVENT_A)).toMatchObject({ EventStart: '2031-03-03T12:00:00-05:00' });
  });

  it('shows its event’s title with the venue’s current name and the forms’ current titles, on the row and in retrieve (spec §3, §5)', async () => {
    const FORM_2 = 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e706';
    const titles = async () => [(await retrieved()).EventTitle, ...(await store.find('registrations', { EventIdentifier: EVENT_B })).map((row) => row.EventTitle)];
    await apply(history);
    expect(await titles()).toEqual(['North Hall / Chemistry', 'North Hall / Chemistry']);

    const renamed = stored(`venue-${ORG}-${VENUE}`, 'VenueDefined', { Organization: ORG, VenueId: VENUE, Name: 'South Hall', TimeZone: 'America/Vancouver', Address: null });
    const retitled = stored(`assessmentForm-${ORG}-${FORM}`, 'AssessmentFormDefined', {
      Organization: ORG, FormId: FORM, Code: 'CHEM-110', Name: 'Chemistry final', Title: null, Status: 'Published', Asset: 1, TimeLimit: 90,
    });
    // A crash that wrote the rows of the form's change but not the events' copies: the replay finishes it.
    const changes = await registrationsProjection.project(retitled, store);
    await store.runBatch(registrationsProjection.name, async (session) => {
      await session.apply(changes.filter((change) => change.collection !== 'registrations_events'));
      return history[history.length - 1].position;
    });
    await apply([retitled, renamed]);
    expect(await titles()).toEqual(['South Hall / Chemistry final', 'South Hall / Chemistry final']);
    expect(await retrieved()).toMatchObject({ AssessmentFormName: 'Chemistry final', AssessmentFormTitle: null });

    // A second form: `Various`, and a form's change no longer shows in it.
    await apply([
      stored(`examEvent-${EVENT_B}`, 'ExamFormAttached', { EventId: EVENT_B, FormId: FORM_2, FormTitle: 'Physics' }),
      stored(`assessmentForm-${ORG}-${FORM}`, 'AssessmentFormDefined', { Organization: ORG, FormId: FORM, Code: 'CHEM-110', Name: null, Title: 'Chem', Status: 'Published', Asset: 1, TimeLimit: 90 }),
    ]);
    expect(await titles()).toEqual(['South Hall / Various', 'South Hall / Various']);
    expect(await store.get('registrations_events', EVENT_A)).toMatchObject({ EventTitle: 'South Hall / No Exam' });
  });

  it('changes no row when another organization defines a learner or a form of the same id (catalog ids are per organization)', async () => {
    const OTHER = '7d1e3f40-2b7a-4a54-8f38-3f1f6b8f0c02';
    await apply(history);
    const before = await store.get('registrations', REG);
    await apply([
      stored(`learner-${OTHER}-${LEARNER}`, 'LearnerDefined', { Organization: OTHER, LearnerId: LEARNER, Name: 'Grace Hopper', Email: 'grace@example.org', Code: 'G-9' }),
      stored(`assessmentForm-${OTHER}-${FORM}`, 'AssessmentFormDefined', {
        Organization: OTHER, FormId: FORM, Code: 'BIO-200', Name: 'Biology final', Title: 'Biology', Status: 'Published', Asset: 1, TimeLimit: 45,
      }),
    ]);
    expect(await store.get('registrations', REG)).toEqual(before);
    expect(await retrieved()).toMatchObject({ LearnerName: 'Ada Lovelace', LearnerCode: 'P-1', AssessmentFormCode: 'CHEM-110', AssessmentFormTitle: 'Chemistry' });
    expect(await store.count('registrations', { Organization: ORG, LearnerName: { $contains: 'grace' } })).toBe(0);
  });

  it('titles the row’s event with the form’s title as the log has it, not the one its attachment recorded (spec §5: rows follow catalog changes)', async () => {
    const EVENT_C = 'c7f0e6f2-6f35-4d8e-9b7e-5a3e2a9d8c05';
    await apply([
      ...history,
      scheduled(EVENT_C, 3, '2031-09-01T16:00:00.000Z'),
      reg('RegistrationTransferred', { FromEventId: EVENT_B, ToEventId: EVENT_C, Reason: null }),
      // The command read the form before a retitle the log holds already.
      stored(`examEvent-${EVENT_C}`, 'ExamFormAttached', { EventId: EVENT_C, FormId: FORM, FormTitle: 'Chemistry (as read)' }),
    ]);
    expect((await retrieved()).EventTitle).toBe('North Hall / Chemistry');
    expect((await store.find('registrations', { EventIdentifier: EVENT_C })).map((row) => row.EventTitle)).toEqual(['North Hall / Chemistry']);
    expect(await store.get('registrations_events', EVENT_C)).toMatchObject({ EventTitle: 'North Hall / Chemistry' });
  });

  it('removes a deleted registration', async () => {
    await apply([...history, reg('RegistrationDeleted', { EventId: EVENT_B })]);
    expect(await store.get('registrations', REG)).toBeNull();
  });
});
