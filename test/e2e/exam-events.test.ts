import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventSourcedExamEventScheduler } from '../../libs/application/src/exam-events/event-sourced-exam-event-scheduler.js';
import { ExamEventScheduler } from '../../libs/application/src/exam-events/exam-event-scheduler.js';
import { newId, TestApp } from '../support/test-app.js';

// Far enough ahead to stay in the future; fixed dates inside it keep the local-time checks exact.
const YEAR = new Date().getUTCFullYear() + 2;
const MARCH_2 = `${YEAR}-03-02`;

describe('exam events (spec §3) over HTTP on the embedded stores', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  /** A fresh organization with a Vancouver venue and two billing codes, so numbers start at 1. */
  async function organization() {
    const org = newId();
    const token = await app.token(org);
    const venue = newId();
    const london = newId();
    await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'North Hall', TimeZone: 'America/Vancouver' } });
    await app.request('PUT', `/api/venues/${london}`, { token, body: { Name: 'Thames House', TimeZone: 'Europe/London' } });
    await app.request('PUT', `/api/billing-codes/${encodeURIComponent('Exam Fee (3h)')}`, { token, body: {} });
    await app.request('PUT', `/api/billing-codes/OPEN`, { token, body: { Duration: 90 } });
    const valid = (overrides: Record<string, unknown> = {}) => ({
      EventVenue: venue,
      EventStart: `${MARCH_2}T09:00:00-08:00`,
      EventExamType: 'Class',
      EventExamFormat: 'Paper',
      EventBillingCode: 'Exam Fee (3h)',
      ...overrides,
    });
    const schedule = (id: string, overrides: Record<string, unknown> = {}) =>
      app.request('POST', `/api/events/${id}`, { token, body: valid(overrides) });
    const list = async (date: string) => {
      const response = await app.request('GET', `/api/events/list-events?date=${date}`, { token });
      expect(response.status).toBe(200);
      return response.body as any[];
    };
    return { org, token, venue, london, valid, schedule, list };
  }

  /** Our organization with one scheduled event, another organization, and an id nobody used. */
  async function eventAndStranger() {
    const ours = await organization();
    const theirs = await organization();
    const id = newId();
    await ours.schedule(id);
    return { ours, theirs, id, missing: newId() };
  }

  function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, detail: string) {
    expect({ status: response.status, detail: response.body.detail }).toEqual({ status, detail });
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  }

  it('schedules an event (201) that list-events shows in the venue’s offset with number 1', async () => {
    const { venue, schedule, list } = await organization();
    const id = newId();
    const created = await schedule(id.toUpperCase(), { RegistrationLimit: 12 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ Exam: id });
    expect(await list(MARCH_2)).toEqual([
      {
        EventIdentifier: id,
        EventNumber: 1,
        EventTitle: 'North Hall / No Exam',
        EventStart: `${MARCH_2}T09:00:00-08:00`,
        EventEnd: `${MARCH_2}T12:00:00-08:00`,
        EventVenue: venue,
        EventExamType: 'Class',
        EventFormat: 'Paper',
        EventBillingCode: 'Exam Fee (3h)',
        EventStatus: 'Scheduled',
        RegistrationLimit: 12,
        RegistrationCount: 0,
      },
    ]);
  });

  it('refuses each invalid request with the first failing check, in the spec’s order, and stores nothing', async () => {
    const { token, venue, schedule, list, valid } = await organization();
    const other = await organization();
    const id = newId();
    const unknownVenue = newId();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ EventExamType: undefined, EventBillingCode: undefined, EventStart: 'soon' }, 'EventExamType not specified'],
      [{ EventExamType: '  ', EventExamFormat: undefined }, 'EventExamType not specified'],
      [{ EventExamType: 'class', EventBillingCode: undefined }, 'Invalid EventExamType value'],
      [{ EventBillingCode: null, EventExamFormat: 'paper' }, 'EventBillingCode not specified'],
      [{ EventBillingCode: 'exam fee (3h)', EventExamFormat: undefined }, 'Invalid EventBillingCode value'],
      [{ EventExamFormat: '', EventStart: 'soon' }, 'EventExamFormat not specified'],
      [{ EventExamFormat: 'paper', EventVenue: newId() }, 'Invalid EventExamFormat value'],
      [{ EventStart: undefined, EventVenue: newId() }, 'Invalid EventStartTime value'],
      [{ EventStart: `${MARCH_2}T09:00:00` }, 'Invalid EventStartTime value'],
      [{ EventStart: '2020-01-01T09:00:00Z' }, 'Invalid EventStartTime value'],
      [{ EventVenue: unknownVenue }, `Venue not found: ${unknownVenue}`],
      [{ EventVenue: other.venue }, `Venue not found: ${other.venue}`],
      [{ EventVenue: undefined }, 'Venue not found'],
    ];
    for (const [overrides, detail] of cases) {
      const refused = await schedule(id, overrides);
      expectProblem(refused, 400, detail);
    }
    // Another organization's billing code is not in this one's catalog.
    await app.request('PUT', '/api/billing-codes/THEIRS', { token: other.token, body: { Duration: 60 } });
    expectProblem(await schedule(id, { EventBillingCode: 'THEIRS' }), 400, 'Invalid EventBillingCode value');

    const shape = await schedule(id, { EventVenue: 'hall-7', RegistrationLimit: 0, EventExamType: 7 });
    expectProblem(shape, 400, 'The request is invalid');
    expect(shape.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['EventVenue', 'RegistrationLimit', 'EventExamType']),
    );
    expectProblem(await app.request('POST', '/api/events/not-a-uuid', { token, body: valid() }), 400, 'The request is invalid');
    // Bounded like every integer: 1e300 was stored, and 2⁵³ + 1 was stored as 2⁵³ (JSON's numbers are doubles).
    for (const limit of ['1e300', '9007199254740993']) {
      const body = JSON.stringify(valid()).replace(/}$/, `,"RegistrationLimit":${limit}}`);
      const huge = await app.request('POST', `/api/events/${id}`, { token, rawBody: body, headers: { 'content-type': 'application/json' } });
      expectProblem(huge, 400, 'The request is invalid');
      expect(huge.body.errors).toEqual([{ field: 'RegistrationLimit', message: 'RegistrationLimit must not be greater than 9007199254740991' }]);
    }

    expect(await list(MARCH_2)).toEqual([]);
    const later = await schedule(id);
    expect(later.status).toBe(201);
    expect((await list(MARCH_2)).map((e) => [e.EventIdentifier, e.EventNumber, e.EventVenue])).toEqual([[id, 1, venue]]);
  });

  it('answers 409 Event already exists for an id used in any organization, and changes nothing', async () => {
    const ours = await organization();
    const theirs = await organization();
    const id = newId();
    expect((await ours.schedule(id)).status).toBe(201);
    expectProblem(await ours.schedule(id, { EventExamType: 'bogus' }), 409, 'Event already exists');
    expectProblem(await theirs.schedule(id), 409, 'Event already exists');
    expect(await theirs.list(MARCH_2)).toEqual([]);
    expect((await ours.list(MARCH_2)).map((e) => [e.EventExamType, e.EventNumber])).toEqual([['Class', 1]]);
    // The refused attempts took no number.
    expect((await theirs.schedule(newId())).status).toBe(201);
    expect((await theirs.list(MARCH_2)).map((e) => e.EventNumber)).toEqual([1]);
  });

  it('derives the duration from the billing code: Duration first, else the (Nh) suffix', async () => {
    const { schedule, list } = await organization();
    await schedule(newId(), { EventBillingCode: 'OPEN', EventStart: `${MARCH_2}T13:00:00-08:00` });
    expect((await list(MARCH_2)).map((e) => [e.EventStart, e.EventEnd])).toEqual([
      [`${MARCH_2}T13:00:00-08:00`, `${MARCH_2}T14:30:00-08:00`],
    ]);
  });

  it('shows a start given to the millisecond as that same instant, in the venue’s offset', async () => {
    const { schedule, list } = await organization();
    expect((await schedule(newId(), { EventBillingCode: 'OPEN', EventStart: `${MARCH_2}T18:00:00.750Z` })).status).toBe(201);
    expect((await list(MARCH_2)).map((e) => [e.EventStart, e.EventEnd])).toEqual([
      [`${MARCH_2}T10:00:00.750-08:00`, `${MARCH_2}T11:30:00.750-08:00`],
    ]);
  });

  describe('list-events', () => {
    it('judges days and months in each venue’s time zone, by overlap, ordered by start then number', async () => {
      const { london, schedule, list } = await organization();
      // 22:15 to 23:45 in Vancouver on March 2, which is all March 3 in UTC.
      const late = newId();
      const overnight = newId(); // 22:00 to 01:00 in Vancouver: March 2 and 3
      const sameStartA = newId();
      const sameStartB = newId();
      const inLondon = newId(); // London keeps UTC in early March: shown with Z
      await schedule(late, { EventStart: `${MARCH_2}T22:15:00-08:00`, EventBillingCode: 'OPEN' });
      await schedule(overnight, { EventStart: `${MARCH_2}T22:00:00-08:00` });
      await schedule(sameStartA, { EventStart: `${MARCH_2}T08:00:00-08:00` });
      await schedule(sameStartB, { EventStart: `${MARCH_2}T16:00:00Z` });
      await schedule(inLondon, { EventVenue: london, EventStart: `${YEAR}-03-03T00:30:00Z` });

      expect((await list(MARCH_2)).map((e) => e.EventIdentifier)).toEqual([sameStartA, sameStartB, overnight, late]);
      expect((await list(`${YEAR}-03-03`)).map((e) => e.EventIdentifier)).toEqual([inLondon, overnight]);
      expect((await list(`${YEAR}-03`)).map((e) => e.EventNumber)).toEqual([3, 4, 5, 2, 1]);
      expect((await list(`${YEAR}-03`)).find((e) => e.EventIdentifier === inLondon)).toMatchObject({
        EventStart: `${YEAR}-03-03T00:30:00Z`,
        EventEnd: `${YEAR}-03-03T03:30:00Z`,
      });
      expect(await list(`${YEAR}-04`)).toEqual([]);
    });

    it('lists events at the end of year 9999, and refuses one that would end (in UTC) after it', async () => {
      const { org, schedule, list, london } = await organization();
      const lastDay = newId(); // 09:00 to 12:00 in Vancouver, 17:00 to 20:00 UTC
      expect((await schedule(lastDay, { EventStart: '9999-12-31T09:00:00-08:00' })).status).toBe(201);
      const ids = (events: any[]) => events.map((e) => e.EventIdentifier);
      expect(ids(await list('9999-12-31'))).toEqual([lastDay]);
      expect(ids(await list('9999-12'))).toEqual([lastDay]);

      // 22:00 in Vancouver is 06:00 on 10000-01-01 in UTC: such an event could be listed nowhere.
      expectProblem(await schedule(newId(), { EventStart: '9999-12-31T22:00:00-08:00' }), 400, 'Invalid EventStartTime value');
      // Starting in 9999 but ending after it (3 hours from 23:00 UTC).
      expectProblem(await schedule(newId(), { EventVenue: london, EventStart: '9999-12-31T23:00:00Z' }), 400, 'Invalid EventStartTime value');
      expect(ids(await list('9999-12'))).toEqual([lastDay]);
      const classes = await app.request('GET', `/api/events/classes?organization=${org}`);
      expect(classes.body.map((c: { Identifier: string }) => c.Identifier)).toEqual([lastDay]);
    });

    it.each([[''], ['?date='], [`?date=${YEAR}-3`], [`?date=${YEAR}-02-30`], [`?date=${MARCH_2}T00:00`], [`?date=${YEAR}-13`]])(
      'answers 400 for a missing or malformed date (%s)',
      async (query) => {
        const { token } = await organization();
        const response = await app.request('GET', `/api/events/list-events${query}`, { token });
        expectProblem(response, 400, 'The request is invalid');
        expect(response.body.errors).toEqual([{ field: 'date', message: 'must be a date YYYY-MM-DD or a month YYYY-MM' }]);
      },
    );

    it('shows only the caller’s events and needs booking:read', async () => {
      const ours = await organization();
      const theirs = await organization();
      await ours.schedule(newId());
      expect(await theirs.list(MARCH_2)).toEqual([]);
      expect((await app.request('GET', `/api/events/list-events?date=${MARCH_2}`)).status).toBe(401);
      const writeOnly = await app.token(ours.org, ['booking:write']);
      expect((await app.request('GET', `/api/events/list-events?date=${MARCH_2}`, { token: writeOnly })).status).toBe(403);
    });
  });

  describe('retrieve one (GET /api/events/{event})', () => {
    it('answers the event as list-events shows it, straight after scheduling, and after its cancel', async () => {
      const { token, schedule, list } = await organization();
      const id = newId();
      await schedule(id, { RegistrationLimit: 4 });
      const retrieved = await app.request('GET', `/api/events/${id.toUpperCase()}`, { token });
      expect(retrieved.status).toBe(200);
      expect(retrieved.body).toEqual((await list(MARCH_2))[0]);
      expect(retrieved.body).toMatchObject({ EventIdentifier: id, EventStatus: 'Scheduled', RegistrationLimit: 4 });

      await app.request('POST', `/api/events/${id}/cancel`, { token });
      expect((await app.request('GET', `/api/events/${id}`, { token })).body).toMatchObject({ EventIdentifier: id, EventStatus: 'Cancelled' });
    });

    it('answers 404 for a missing event and for another organization’s, alike; 400 for an id that is no UUID', async () => {
      const { ours, theirs, id, missing } = await eventAndStranger();
      expectProblem(await app.request('GET', `/api/events/${missing}`, { token: ours.token }), 404, `Exam event not found: ${missing}`);
      expectProblem(await app.request('GET', `/api/events/${id}`, { token: theirs.token }), 404, `Exam event not found: ${id}`);
      const malformed = await app.request('GET', '/api/events/not-an-id', { token: ours.token });
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors.map((e: { field: string }) => e.field)).toEqual(['event']);
    });

    it('needs booking:read', async () => {
      const { org, schedule } = await organization();
      const id = newId();
      await schedule(id);
      expect((await app.request('GET', `/api/events/${id}`)).status).toBe(401);
      const writeOnly = await app.token(org, ['booking:write']);
      expect((await app.request('GET', `/api/events/${id}`, { token: writeOnly })).status).toBe(403);
    });
  });

  describe('cancel', () => {
    it('cancels (200, the event as list-events shows it), then refuses a second cancel with 409', async () => {
      const { token, schedule, list } = await organization();
      const id = newId();
      await schedule(id);
      const cancelled = await app.request('POST', `/api/events/${id}/cancel`, { token, body: { Reason: 'Snow day' } });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toEqual({ ...(await list(MARCH_2))[0], EventStatus: 'Cancelled' });
      expect((await list(MARCH_2))[0].EventStatus).toBe('Cancelled');

      const again = await app.request('POST', `/api/events/${id}/cancel`, { token });
      expectProblem(again, 409, 'Exam event is already cancelled');
    });

    it('answers 404 for a missing event and for another organization’s, alike, and cancels nothing', async () => {
      const { ours, theirs, id, missing } = await eventAndStranger();
      expectProblem(await app.request('POST', `/api/events/${missing}/cancel`, { token: ours.token }), 404, `Exam event not found: ${missing}`);
      expectProblem(await app.request('POST', `/api/events/${id}/cancel`, { token: theirs.token, body: {} }), 404, `Exam event not found: ${id}`);
      expect((await ours.list(MARCH_2))[0].EventStatus).toBe('Scheduled');
    });

    it('refuses to cancel an event with an active registration (409), and allows it once that is cancelled', async () => {
      const { token, venue, schedule, list } = await organization();
      const learner = newId();
      await app.request('PUT', `/api/learners/${learner}`, { token, body: { Name: 'Ada Lovelace' } });
      await app.request('PUT', `/api/assessment-forms/${newId()}`, {
        token,
        body: { Code: 'CHEM', Title: 'Chemistry', Status: 'Published', Asset: 1 },
      });
      const id = newId();
      await schedule(id);
      const registration = newId();
      const registered = await app.request('POST', `/api/registrations/${registration}/commands/register-lax`, {
        token,
        body: { EventVenue: venue, EventStart: `${MARCH_2}T09:00:00-08:00`, Learner: learner, Assessment: 'CHEM' },
      });
      expect(registered.status).toBe(200);
      expect(registered.body.Exam).toBe(id);
      expect((await list(MARCH_2))[0]).toMatchObject({ RegistrationCount: 1, EventTitle: 'North Hall / Chemistry' });

      const refused = await app.request('POST', `/api/events/${id}/cancel`, { token });
      expectProblem(refused, 409, 'The exam event cannot be cancelled because it contains active registrations');
      expect((await list(MARCH_2))[0].EventStatus).toBe('Scheduled');

      expect((await app.request('POST', `/api/registrations/${registration}/commands/cancel`, { token, body: {} })).status).toBe(200);
      expect((await list(MARCH_2))[0].RegistrationCount).toBe(0);
      expect((await app.request('POST', `/api/events/${id}/cancel`, { token })).status).toBe(200);
    });

    it('frees the venue/start slot: find-or-create then makes a new event', async () => {
      const { org, token, venue, schedule } = await organization();
      const scheduler = app.app.get(ExamEventScheduler);
      const context = { organization: org, actor: 'tester', correlationId: newId(), now: new Date() };
      const slot = { venueId: venue, start: `${MARCH_2}T17:00:30Z`, examType: 'Sitting', format: 'Online', billingCode: 'OPEN' };
      const id = newId();
      await schedule(id);
      const found = await scheduler.findOrCreate(context, slot);
      expect(found).toMatchObject({ eventId: id, number: 1, created: false });
      // As a registration command does once stored: a cancellation waits for that.
      scheduler.leave(found);
      await app.request('POST', `/api/events/${id}/cancel`, { token });
      expect(await scheduler.findShared(context, venue, slot.start)).toBeNull();
      expect(await scheduler.findOrCreate(context, slot)).toMatchObject({ number: 2, examType: 'Sitting', created: true });
    });

    it('waits, before counting, for a registration command that has decided on the event', async () => {
      const { org, token, venue, schedule } = await organization();
      const scheduler = app.app.get(ExamEventScheduler);
      const context = { organization: org, actor: 'tester', correlationId: newId(), now: new Date() };
      const id = newId();
      await schedule(id);
      // A registration command between finding the event open and storing its registration.
      const deciding = (await scheduler.findShared(context, venue, `${MARCH_2}T09:00:00-08:00`))!;
      expect(deciding.eventId).toBe(id);
      let answered = false;
      const cancel = app.request('POST', `/api/events/${id}/cancel`, { token }).finally(() => (answered = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered).toBe(false);
      scheduler.leave(deciding);
      expect((await cancel).status).toBe(200);
    });

    it('makes a registration arriving during the cancellation look again: it gets a new event for the slot', async () => {
      const { org, token, valid, schedule } = await organization();
      const scheduler = app.app.get(EventSourcedExamEventScheduler);
      const context = { organization: org, actor: 'tester', correlationId: newId(), now: new Date() };
      const learner = newId();
      await app.request('PUT', `/api/learners/${learner}`, { token, body: { Name: 'Ada Lovelace' } });
      await app.request('PUT', `/api/assessment-forms/${newId()}`, { token, body: { Code: 'CHEM', Title: 'Chemistry', Status: 'Published', Asset: 1 } });
      const id = newId();
      await schedule(id);
      // The cancel handler between its count and its append.
      const release = await scheduler.holdForCancelling(id);
      let answered = false;
      const registering = app
        .request('POST', `/api/registrations/${newId()}/commands/register-lax`, {
          token,
          // What a new event for the slot needs, should the one there be cancelled.
          body: { ...valid(), Learner: learner, Assessment: 'CHEM' },
        })
        .finally(() => (answered = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered).toBe(false);
      await scheduler.cancel(context, id, { reason: null, automatic: false, activeRegistrations: 0 });
      release();
      const registered = await registering;
      expect(registered.status).toBe(201);
      expect(registered.body.Exam).not.toBe(id);
    });

    it('needs booking:write', async () => {
      const { org, schedule, list } = await organization();
      const id = newId();
      await schedule(id);
      const readOnly = await app.token(org, ['booking:read']);
      expect((await app.request('POST', `/api/events/${id}/cancel`, { token: readOnly })).status).toBe(403);
      expect((await app.request('POST', `/api/events/${newId()}`, { token: readOnly, body: {} })).status).toBe(403);
      expect((await list(MARCH_2)).map((e) => e.EventStatus)).toEqual(['Scheduled']);
    });
  });

  describe('classes (anonymous)', () => {
    it('lists future, non-cancelled events soonest first, with IsFull, and nothing about learners', async () => {
      const { org, token, venue, schedule } = await organization();
      const learner = newId();
      await app.request('PUT', `/api/learners/${learner}`, { token, body: { Name: 'Ada Lovelace' } });
      await app.request('PUT', `/api/assessment-forms/${newId()}`, {
        token,
        body: { Code: 'CHEM', Title: 'Chemistry', Status: 'Published', Asset: 1 },
      });
      const later = newId();
      const full = newId();
      const cancelled = newId();
      await schedule(later, { EventStart: `${YEAR}-04-01T09:00:00-07:00` });
      await schedule(full, { RegistrationLimit: 1, EventExamFormat: 'Online' });
      await schedule(cancelled, { EventStart: `${YEAR}-01-05T09:00:00-08:00` });
      await app.request('POST', `/api/events/${cancelled}/cancel`, { token });
      await app.request('POST', `/api/registrations/${newId()}/commands/register-lax`, {
        token,
        body: { EventVenue: venue, EventStart: `${MARCH_2}T09:00:00-08:00`, Learner: learner, Assessment: 'CHEM' },
      });
      // An event that has started by now (scheduled while its start was still ahead).
      const scheduler = app.app.get(ExamEventScheduler);
      const past = new Date(Date.now() - 60_000);
      await scheduler.create(
        { organization: org, actor: 'tester', correlationId: newId(), now: new Date(past.getTime() - 60_000) },
        { venueId: venue, start: past.toISOString(), examType: 'Test', format: 'Paper', billingCode: 'OPEN' },
        { shared: true },
      );

      const classes = await app.request('GET', `/api/events/classes?organization=${org.toUpperCase()}`);
      expect(classes.status).toBe(200);
      expect(classes.body).toEqual([
        {
          Identifier: full,
          Title: 'North Hall / Chemistry',
          Start: `${MARCH_2}T09:00:00-08:00`,
          EventExamType: 'Class',
          EventFormat: 'Online',
          RegistrationLimit: 1,
          IsFull: true,
        },
        {
          Identifier: later,
          Title: 'North Hall / No Exam',
          Start: `${YEAR}-04-01T09:00:00-07:00`,
          EventExamType: 'Class',
          EventFormat: 'Paper',
          RegistrationLimit: null,
          IsFull: false,
        },
      ]);
    });

    it('lists events of the same start by number, as list-events does', async () => {
      const { org, london, schedule } = await organization();
      const first = newId();
      const second = newId();
      const third = newId();
      // The same instant: at one venue twice (POST /api/events may add several), and at another.
      await schedule(first, { EventStart: `${MARCH_2}T17:00:00Z` });
      await schedule(second, { EventVenue: london, EventStart: `${MARCH_2}T17:00:00Z` });
      await schedule(third, { EventStart: `${MARCH_2}T09:00:00-08:00` });
      const classes = await app.request('GET', `/api/events/classes?organization=${org}`);
      expect(classes.status).toBe(200);
      expect(classes.body.map((c: { Identifier: string }) => c.Identifier)).toEqual([first, second, third]);
    });

    it('lists an event that starts in a couple of minutes: every start after now is upcoming', async () => {
      const { org, schedule } = await organization();
      const soon = newId();
      expect((await schedule(soon, { EventStart: new Date(Date.now() + 120_000).toISOString() })).status).toBe(201);
      const classes = await app.request('GET', `/api/events/classes?organization=${org}`);
      expect(classes.body.map((c: { Identifier: string }) => c.Identifier)).toEqual([soon]);
    });

    it('answers [] for an unknown organization and 400 for a missing or malformed one', async () => {
      const unknown = await app.request('GET', `/api/events/classes?organization=${newId()}`);
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual([]);
      expectProblem(await app.request('GET', '/api/events/classes?organization=acme'), 400, 'The request is invalid');
      expectProblem(await app.request('GET', '/api/events/classes'), 400, 'The request is invalid');
    });
  });
});
