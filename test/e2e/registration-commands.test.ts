import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId, TestApp } from '../support/test-app.js';
import {
  command,
  defineTenant,
  expectProblem,
  failAppendsOf,
  FORM_TIME_LIMIT,
  keepReactorOut,
  listEvents,
  nextSlot,
  registerBody,
  registered,
  retrieve,
  storedEvents,
  type Tenant,
} from '../support/registration-fixtures.js';

describe('registration commands and retrieve (spec §4, §5) over HTTP', () => {
  /** An id no catalog holds. */
  const UNKNOWN = newId();
  let app: TestApp;
  let tenant: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    app = await TestApp.start();
    tenant = await defineTenant(app);
    other = await defineTenant(app);
  });
  afterAll(() => app.close());

  /** Runs `act` and checks that it stored no event at all for the tenant. */
  async function storesNothing(act: () => Promise<void>): Promise<void> {
    const before = (await storedEvents(app, tenant.org)).length;
    await act();
    expect((await storedEvents(app, tenant.org)).length).toBe(before);
  }

  describe('register-lax', () => {
    it('creates the exam event (201), records every field, and a second registration joins it (200)', async () => {
      const registration = newId().toUpperCase();
      const start = nextSlot();
      const first = await command(app, tenant, registration, 'register-lax', {
        ...registerBody(tenant, { EventStart: start, LearnerRegistrantType: 'Apprentice' }),
        Learner: tenant.learner.toUpperCase(),
      });
      expect(first.status).toBe(201);
      const id = registration.toLowerCase();
      expect(first.body).toEqual({ Exam: expect.any(String), Registration: id });

      const read = await retrieve(app, tenant, registration);
      expect(read.status).toBe(200);
      expect(read.body).toEqual({
        RegistrationIdentifier: id,
        RegistrationStatus: 'Registered',
        AttendanceStatus: null,
        EventIdentifier: first.body.Exam,
        EventNumber: expect.any(Number),
        EventFormat: 'Paper',
        EventScheduledStart: start,
        EventVenue: tenant.venue,
        AssessmentFormIdentifier: tenant.chemistry,
        AssessmentFormCode: 'CHEM-110',
        AssessmentFormName: 'Chemistry final',
        AssessmentFormTitle: 'Chemistry',
        LearnerIdentifier: tenant.learner,
        LearnerCode: 'P-1',
        LearnerName: 'Ada Lovelace',
        LearnerEmail: 'ada@example.org',
        LastChangeTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        LastChangeType: 'ExamTimeLimited',
        EventStart: start,
        EventTitle: 'North Hall / Chemistry',
        EventExamType: 'Sitting',
        EligibilityStatus: 'Eligible',
        ApprovalStatus: 'Eligible',
        RegistrantType: 'Apprentice',
        ExamTimeLimit: FORM_TIME_LIMIT,
        Accommodations: [],
      });
      expect(read.body).not.toHaveProperty('Passcode');
      const [requested] = (await storedEvents(app, tenant.org)).filter(
        (e) => e.type === 'RegistrationRequested' && e.data.RegistrationId === id,
      );
      expect(requested.data.Passcode).toMatch(/^[2-9A-HJKMNP-Z]{12}$/);

      // Same minute, other second; the exam type, format and billing code are not needed to join.
      const second = await command(app, tenant, newId(), 'register-lax', {
        ...registerBody(tenant, { EventStart: start.replace(':00-08:00', ':42-08:00'), Learner: tenant.otherLearner }),
        EventExamType: null,
        EventExamFormat: null,
        EventBillingCode: null,
      });
      expect(second.status).toBe(200);
      expect(second.body.Exam).toBe(first.body.Exam);
      const listed = (await listEvents(app, tenant)).find((e) => e.EventIdentifier === first.body.Exam);
      expect(listed).toMatchObject({ RegistrationCount: 2, EventTitle: 'North Hall / Chemistry', EventStart: start });
    });

    it("titles a new event with the form's title, else its name, else its code", async () => {
      const forms = [
        { Code: 'NOTITLE-1', Name: 'History final', Title: null },
        { Code: 'NONAME-1', Name: null, Title: null },
      ];
      for (const form of forms) {
        const body = { ...form, Status: 'Published', Asset: 1, TimeLimit: 30 };
        expect((await app.request('PUT', `/api/assessment-forms/${newId()}`, { token: tenant.token, body })).status).toBe(201);
      }
      const titles = [];
      for (const { Code } of forms) {
        const { event } = await registered(app, tenant, { Assessment: Code });
        titles.push((await listEvents(app, tenant)).find((e) => e.EventIdentifier === event).EventTitle);
      }
      expect(titles).toEqual(['North Hall / History final', 'North Hall / NONAME-1']);
    });

    it('gives every Individual registration its own event, suffixed (A) with accommodations and (N) without', async () => {
      const start = nextSlot();
      const withHelp = await registered(app, tenant, {
        EventStart: start,
        EventExamType: 'Individual',
        Accommodations: [
          { Type: 'Extra time', Name: 'Time and a half', TimeExtension: 45 },
          { Type: 'Quiet room' },
        ],
      });
      const without = await registered(app, tenant, { EventStart: start, EventExamType: 'Individual' });
      expect(withHelp.response.status).toBe(201);
      expect(without.response.status).toBe(201);
      expect(without.event).not.toBe(withHelp.event);
      const read = (await retrieve(app, tenant, withHelp.registration)).body;
      expect(read).toMatchObject({
        EventExamType: 'Individual (A)',
        ExamTimeLimit: FORM_TIME_LIMIT + 45,
        Accommodations: [
          { Type: 'Extra time', Name: 'Time and a half', TimeExtension: 45 },
          { Type: 'Quiet room', Name: null, TimeExtension: null },
        ],
      });
      expect((await retrieve(app, tenant, without.registration)).body.EventExamType).toBe('Individual (N)');
      // A shared registration at the same minute never joins an Individual event.
      const shared = await registered(app, tenant, { EventStart: start });
      expect(shared.response.status).toBe(201);
    });

    it('never lets an already suffixed Individual type join a shared event, and suffixes (A) for any accommodation', async () => {
      const start = nextSlot();
      const shared = await registered(app, tenant, { EventStart: start });
      expect(shared.response.status).toBe(201);
      const suffixed = await registered(app, tenant, { EventStart: start, EventExamType: 'Individual (A)' });
      expect(suffixed.response.status).toBe(201);
      expect(suffixed.event).not.toBe(shared.event);
      expect((await retrieve(app, tenant, suffixed.registration)).body.EventExamType).toBe('Individual (A)');
      // An accommodation without a time extension is an accommodation all the same.
      const quiet = await registered(app, tenant, { EventExamType: 'Individual', Accommodations: [{ Type: 'Quiet room' }] });
      expect((await retrieve(app, tenant, quiet.registration)).body.EventExamType).toBe('Individual (A)');
    });

    it.each<[string, (t: Tenant) => Record<string, unknown>, number, string | (() => string)]>([
      ['an empty accommodation type (checked first)', () => ({ Learner: newId(), Assessment: 'nope', Accommodations: [{ Type: ' ' }] }), 400, 'Accommodation type cannot be empty'],
      ['a learner missing from the catalog', () => ({ Learner: UNKNOWN, Assessment: 'nope' }), 400, `Learner not found: ${UNKNOWN}`],
      ['another organization’s learner', () => ({ Learner: other.learner }), 400, () => `Learner not found: ${other.learner}`],
      ['an unknown form code', () => ({ Assessment: 'GEO-1' }), 400, 'Assessment form not found: GEO-1'],
      ['no form code', () => ({ Assessment: null }), 400, 'Assessment form not found'],
      ['no exam type for a new event', () => ({ EventExamType: null }), 400, 'EventExamType not specified'],
      ['an invalid exam type', () => ({ EventExamType: 'sitting' }), 400, 'Invalid EventExamType value'],
      ['no billing code', () => ({ EventBillingCode: '' }), 400, 'EventBillingCode not specified'],
      ['an unknown billing code', () => ({ EventBillingCode: 'Nope' }), 400, 'Invalid EventBillingCode value'],
      ['no format', () => ({ EventExamFormat: null }), 400, 'EventExamFormat not specified'],
      ['an invalid format', () => ({ EventExamFormat: 'Oral' }), 400, 'Invalid EventExamFormat value'],
      ['a start in the past', () => ({ EventStart: '2020-01-01T09:00:00Z' }), 400, 'Invalid EventStartTime value'],
      ['an unknown venue', () => ({ EventVenue: UNKNOWN }), 400, `Venue not found: ${UNKNOWN}`],
      ['another organization’s venue', () => ({ EventVenue: other.venue }), 400, () => `Venue not found: ${other.venue}`],
      ['an Individual event with an invalid format', () => ({ EventExamType: 'Individual', EventExamFormat: 'Oral' }), 400, 'Invalid EventExamFormat value'],
    ])('refuses %s, storing nothing and creating no event', async (_, overrides, status, expected) => {
      const message = typeof expected === 'string' ? expected : expected();
      const registration = newId();
      await storesNothing(async () => {
        const refused = await command(app, tenant, registration, 'register-lax', registerBody(tenant, overrides(tenant)));
        expectProblem(refused, status, message);
        // Exactly: a not-found names the value asked for, and only then.
        expect(refused.body.detail).toBe(message);
      });
      expect((await retrieve(app, tenant, registration)).status).toBe(404);
    });

    it('takes upper-case venue and learner ids on register-lax and transfer-lax as their lower-case forms (spec §1)', async () => {
      const start = nextSlot();
      const body = (overrides: Record<string, unknown> = {}) => ({
        ...registerBody(tenant, { EventStart: start }),
        EventVenue: tenant.venue.toUpperCase(),
        Learner: tenant.learner.toUpperCase(),
        ...overrides,
      });
      const first = await command(app, tenant, newId(), 'register-lax', body());
      expect(first.status).toBe(201);
      const joined = await command(app, tenant, newId(), 'register-lax', body());
      expect(joined.status).toBe(200);
      expect(joined.body.Exam).toBe(first.body.Exam);
      expect((await retrieve(app, tenant, joined.body.Registration)).body).toMatchObject({ EventVenue: tenant.venue, LearnerIdentifier: tenant.learner });

      const { registration } = await registered(app, tenant);
      const moved = await command(app, tenant, registration, 'transfer-lax', {
        EventVenue: tenant.venue.toUpperCase(),
        EventStart: start,
        Learner: tenant.learner.toUpperCase(),
      });
      expect(moved.status).toBe(200);
      expect(moved.body.Exam).toBe(first.body.Exam);
      expect((await retrieve(app, tenant, registration)).body).toMatchObject({ EventIdentifier: first.body.Exam, EventVenue: tenant.venue });
    });

    it('refuses an id already used, here or by another organization, without describing it', async () => {
      const mine = await registered(app, tenant);
      const theirs = await registered(app, other);
      const before = (await retrieve(app, tenant, mine.registration)).body;
      await storesNothing(async () => {
        expectProblem(await command(app, tenant, mine.registration, 'register-lax', registerBody(tenant)), 409, 'Registration already exists');
        const taken = await command(app, tenant, theirs.registration, 'register-lax', registerBody(tenant));
        expectProblem(taken, 409, 'Registration already exists');
        expect(taken.text).not.toContain(other.org);
        expect(taken.text).not.toContain(theirs.event);
      });
      expect((await retrieve(app, tenant, mine.registration)).body).toEqual(before);
      expect((await retrieve(app, tenant, theirs.registration)).status).toBe(404);
    });
  });

  describe('transfer-lax', () => {
    it('moves a registration to a new event (201) and to an existing one (200), keeping its form', async () => {
      const { registration, event: from } = await registered(app, tenant);
      const target = nextSlot();
      const moved = await command(app, tenant, registration, 'transfer-lax', {
        EventVenue: tenant.venue,
        EventStart: target,
        Learner: tenant.learner,
        Reason: 'Asked for another day',
        Accommodations: [{ Type: 'Extra time', TimeExtension: 15 }],
      });
      expect(moved.status).toBe(201);
      expect(moved.body).toEqual({ Exam: expect.any(String), Registration: registration });
      expect(moved.body.Exam).not.toBe(from);
      const read = (await retrieve(app, tenant, registration)).body;
      expect(read).toMatchObject({
        EventIdentifier: moved.body.Exam,
        EventStart: target,
        EventExamType: 'Sitting',
        EventFormat: 'Paper',
        EventTitle: 'North Hall / Chemistry',
        AssessmentFormIdentifier: tenant.chemistry,
        ExamTimeLimit: FORM_TIME_LIMIT + 15,
        LastChangeType: 'ExamTimeLimited',
      });
      const events = await listEvents(app, tenant);
      expect(events.find((e) => e.EventIdentifier === from)).toMatchObject({ RegistrationCount: 0, EventStatus: 'Scheduled' });
      expect(events.find((e) => e.EventIdentifier === moved.body.Exam)).toMatchObject({ RegistrationCount: 1 });

      const back = await command(app, tenant, registration, 'transfer-lax', { EventVenue: tenant.venue, EventStart: read.EventStart.replace(':00-08:00', ':30-08:00'), Learner: tenant.learner });
      expectProblem(back, 409, 'Registration already assigned to event');
      const home = (await listEvents(app, tenant)).find((e) => e.EventIdentifier === from);
      const returned = await command(app, tenant, registration, 'transfer-lax', { EventVenue: tenant.venue, EventStart: home.EventStart, Learner: tenant.learner });
      expect(returned.status).toBe(200);
      expect(returned.body.Exam).toBe(from);
    });

    it('cancels the Individual event a registration leaves, and gives an Individual target its own event', async () => {
      const { registration, event: individual } = await registered(app, tenant, { EventExamType: 'Individual' });
      const shared = await registered(app, tenant);
      const moved = await command(app, tenant, registration, 'transfer-lax', {
        EventVenue: tenant.venue,
        EventStart: (await retrieve(app, tenant, shared.registration)).body.EventStart,
        EventExamType: 'Sitting',
        Learner: tenant.learner,
      });
      expect(moved.status).toBe(200);
      expect(moved.body.Exam).toBe(shared.event);
      const events = await listEvents(app, tenant);
      expect(events.find((e) => e.EventIdentifier === individual)).toMatchObject({ EventStatus: 'Cancelled', RegistrationCount: 0 });

      const again = await command(app, tenant, registration, 'transfer-lax', {
        EventVenue: tenant.venue,
        EventStart: (await retrieve(app, tenant, shared.registration)).body.EventStart,
        EventExamType: 'Individual',
        Learner: tenant.learner,
        Accommodations: [{ Type: 'Reader' }],
      });
      expect(again.status).toBe(201);
      expect(again.body.Exam).not.toBe(shared.event);
      expect((await retrieve(app, tenant, registration)).body.EventExamType).toBe('Individual (A)');
    });

    it('suffixes a kept Individual type again by what the registration holds after the move', async () => {
      const examType = async (registration: string) => (await retrieve(app, tenant, registration)).body.EventExamType;
      // Accommodations held from before the move count, though the transfer grants none.
      const held = await registered(app, tenant, { EventExamType: 'Individual', Accommodations: [{ Type: 'Reader' }] });
      const keptA = await command(app, tenant, held.registration, 'transfer-lax', { EventVenue: tenant.venue, EventStart: nextSlot(), Learner: tenant.learner });
      expect(keptA.status).toBe(201);
      expect(keptA.body.Exam).not.toBe(held.event);
      expect(await examType(held.registration)).toBe('Individual (A)');
      // An (N) registration granted accommodations by the move becomes (A).
      const none = await registered(app, tenant, { EventExamType: 'Individual' });
      expect(await examType(none.registration)).toBe('Individual (N)');
      const granted = await command(app, tenant, none.registration, 'transfer-lax', {
        EventVenue: tenant.venue,
        EventStart: nextSlot(),
        Learner: tenant.learner,
        Accommodations: [{ Type: 'Scribe' }],
      });
      expect(granted.status).toBe(201);
      expect(await examType(none.registration)).toBe('Individual (A)');
      const events = await listEvents(app, tenant);
      for (const left of [held.event, none.event]) {
        expect(events.find((e) => e.EventIdentifier === left)).toMatchObject({ EventStatus: 'Cancelled', RegistrationCount: 0 });
      }
    });

    it('lets its event be cancelled after refusing a move to it (the refused transfer holds the event no longer)', async () => {
      const { registration, event } = await registered(app, tenant);
      const home = (await listEvents(app, tenant)).find((e) => e.EventIdentifier === event);
      const same = await command(app, tenant, registration, 'transfer-lax', { EventVenue: tenant.venue, EventStart: home.EventStart, Learner: tenant.learner });
      expectProblem(same, 409, 'Registration already assigned to event');
      expect((await command(app, tenant, registration, 'cancel', {})).status).toBe(200);
      const cancelling = app.request('POST', `/api/events/${event}/cancel`, { token: tenant.token, body: {} });
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([cancelling, new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting'), 3000)))]);
      clearTimeout(timer);
      expect(answer).toMatchObject({ status: 200 });
    });

    it('refuses, in the spec’s order, storing nothing and creating no event', async () => {
      const { registration } = await registered(app, tenant);
      const cancelled = await registered(app, tenant);
      expect((await command(app, tenant, cancelled.registration, 'cancel')).status).toBe(200);
      const theirs = await registered(app, other);
      const before = (await retrieve(app, tenant, registration)).body;
      const body = (overrides: Record<string, unknown> = {}) => ({
        EventVenue: tenant.venue,
        EventStart: nextSlot(),
        Learner: tenant.learner,
        ...overrides,
      });
      await storesNothing(async () => {
        expectProblem(await command(app, tenant, registration, 'transfer-lax', body({ Learner: newId(), Accommodations: [{ Type: '' }] })), 400, 'Accommodation type cannot be empty');
        expectProblem(await command(app, tenant, newId(), 'transfer-lax', body({ Learner: newId() })), 404, 'Registration not found');
        expectProblem(await command(app, tenant, theirs.registration, 'transfer-lax', body()), 404, `Registration not found: ${theirs.registration}`);
        expectProblem(await command(app, tenant, cancelled.registration, 'transfer-lax', body({ Learner: newId() })), 409, 'Registration is cancelled');
        expectProblem(await command(app, tenant, registration, 'transfer-lax', body({ Learner: UNKNOWN })), 400, `Learner not found: ${UNKNOWN}`);
        expectProblem(await command(app, tenant, registration, 'transfer-lax', body({ Learner: tenant.otherLearner })), 400, 'Learner does not belong to registration');
        expectProblem(await command(app, tenant, registration, 'transfer-lax', body({ EventStart: before.EventStart })), 409, 'Registration already assigned to event');
        expectProblem(await command(app, tenant, registration, 'transfer-lax', body({ EventExamType: 'Oral' })), 400, 'Invalid EventExamType value');
        expectProblem(await command(app, tenant, registration, 'transfer-lax', body({ EventVenue: other.venue })), 400, `Venue not found: ${other.venue}`);
      });
      expect((await retrieve(app, tenant, registration)).body).toEqual(before);
    });
  });

  describe('cancel and delete', () => {
    it('cancels (200), cancels again as a no-op, and stops counting the registration on its event', async () => {
      const { registration, event } = await registered(app, tenant);
      const cancelled = await command(app, tenant, registration, 'cancel', { Reason: 'Withdrew' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toEqual({ Registration: registration, Status: 'Cancelled' });
      expect((await retrieve(app, tenant, registration)).body).toMatchObject({
        RegistrationStatus: 'Cancelled',
        LastChangeType: 'RegistrationCancelled',
      });
      expect((await listEvents(app, tenant)).find((e) => e.EventIdentifier === event).RegistrationCount).toBe(0);
      await storesNothing(async () => {
        expect((await command(app, tenant, registration, 'cancel')).body).toEqual({ Registration: registration, Status: 'Cancelled' });
      });
    });

    it('cancels an Individual event its registration leaves by cancel or by delete', async () => {
      const cancelled = await registered(app, tenant, { EventExamType: 'Individual' });
      const deleted = await registered(app, tenant, { EventExamType: 'Individual' });
      expect((await command(app, tenant, cancelled.registration, 'cancel')).status).toBe(200);
      expect((await app.request('DELETE', `/api/registrations/${deleted.registration}`, { token: tenant.token })).status).toBe(204);
      const events = await listEvents(app, tenant);
      for (const id of [cancelled.event, deleted.event]) {
        expect(events.find((e) => e.EventIdentifier === id)).toMatchObject({ EventStatus: 'Cancelled', RegistrationCount: 0 });
      }
    });

    it('finishes, on a retry, the automatic cancellation a cancel or a delete stopped before (the disk full in between), on its behalf', async () => {
      const cancelled = await registered(app, tenant, { EventExamType: 'Individual' });
      const deleted = await registered(app, tenant, { EventExamType: 'Individual' });
      const attempts = [
        { event: cancelled.event, send: () => command(app, tenant, cancelled.registration, 'cancel') },
        { event: deleted.event, send: () => app.request('DELETE', `/api/registrations/${deleted.registration}`, { token: tenant.token }) },
      ];
      const letReactorIn = keepReactorOut(app);
      for (const { event, send } of attempts) {
        // The event's automatic cancellation fails, after the registration's own append was stored.
        const restore = failAppendsOf(app, 'ExamEventCancelled');
        const stopped = await send();
        expect(stopped.status).toBe(503);
        restore();
        const retriedFrom = new Date().toISOString();
        const retry = await send();
        const retriedTo = new Date().toISOString();
        expect([200, 204]).toContain(retry.status);
        expect((await app.request('GET', `/api/events/${event}`, { token: tenant.token })).body).toMatchObject({ EventStatus: 'Cancelled', RegistrationCount: 0 });
        const [completion] = (await storedEvents(app, tenant.org)).filter((e) => e.type === 'ExamEventCancelled' && e.data.EventId === event);
        expect(completion.metadata).toMatchObject({ correlationId: stopped.headers.get('x-request-id'), causationId: retry.headers.get('x-request-id') });
        // Dated as the stopped request, and marked as written by the retry, at its time.
        expect(completion.metadata.completedAt! >= retriedFrom && completion.metadata.completedAt! <= retriedTo).toBe(true);
      }
      letReactorIn();
      // A further retry records nothing more.
      const stored = (await storedEvents(app, tenant.org)).length;
      await command(app, tenant, cancelled.registration, 'cancel');
      await app.request('DELETE', `/api/registrations/${deleted.registration}`, { token: tenant.token });
      expect((await storedEvents(app, tenant.org)).length).toBe(stored);
    });

    it('finishes, on a delete, the automatic cancellation a cancel stopped before, on the cancel’s behalf', async () => {
      const { registration, event } = await registered(app, tenant, { EventExamType: 'Individual' });
      const letReactorIn = keepReactorOut(app);
      const restore = failAppendsOf(app, 'ExamEventCancelled');
      const stopped = await command(app, tenant, registration, 'cancel');
      expect(stopped.status).toBe(503);
      restore();
      const deleted = await app.request('DELETE', `/api/registrations/${registration}`, { token: tenant.token });
      expect(deleted.status).toBe(204);
      letReactorIn();
      const [completion] = (await storedEvents(app, tenant.org)).filter((e) => e.type === 'ExamEventCancelled' && e.data.EventId === event);
      expect(completion.metadata).toMatchObject({ correlationId: stopped.headers.get('x-request-id'), causationId: deleted.headers.get('x-request-id') });
    });

    it('deletes (204) so that retrieve no longer finds it; deleting again, a missing or a foreign id is 204 too', async () => {
      const { registration, event } = await registered(app, tenant);
      const theirs = await registered(app, other);
      const remove = (id: string) => app.request('DELETE', `/api/registrations/${id}`, { token: tenant.token });
      expect((await remove(registration)).status).toBe(204);
      expectProblem(await retrieve(app, tenant, registration), 404, 'Registration not found');
      expect((await listEvents(app, tenant)).find((e) => e.EventIdentifier === event).RegistrationCount).toBe(0);
      await storesNothing(async () => {
        expect((await remove(registration)).status).toBe(204);
        expect((await remove(newId())).status).toBe(204);
        expect((await remove(theirs.registration)).status).toBe(204);
      });
      expect((await retrieve(app, other, theirs.registration)).status).toBe(200);
      // A deleted registration is missing to every command, and its id stays taken.
      expectProblem(await command(app, tenant, registration, 'cancel'), 404, 'Registration not found');
      expectProblem(await command(app, tenant, registration, 'register-lax', registerBody(tenant)), 409, 'Registration already exists');
    });

    it('is 404 for a missing or another organization’s registration', async () => {
      const theirs = await registered(app, other);
      await storesNothing(async () => {
        expectProblem(await command(app, tenant, newId(), 'cancel'), 404, 'Registration not found');
        expectProblem(await command(app, tenant, theirs.registration, 'cancel'), 404, 'Registration not found');
      });
      expectProblem(await retrieve(app, tenant, theirs.registration), 404, 'Registration not found');
      expect((await retrieve(app, other, theirs.registration)).body.RegistrationStatus).toBe('Registered');
    });
  });

  describe('a retry after a stop between the registration and its exam event', () => {
    // Whichever of its two appends fails, the retry ends with both: the registration and its form on the event.

    /** Sends the command with the append of `failing` failing once (a 503), then again: the retry's answer. */
    async function retriedAfter(failing: string, send: () => ReturnType<typeof command>) {
      const restore = failAppendsOf(app, failing);
      expect((await send()).status).toBe(503);
      restore();
      const retried = await send();
      expect([200, 201]).toContain(retried.status);
      return retried;
    }

    /** The registration is on `event`, and the event, titled with the form, counts it. */
    async function expectOnEvent(registration: string, event: string, title: string) {
      expect((await retrieve(app, tenant, registration)).body).toMatchObject({ EventIdentifier: event, EventTitle: title });
      expect((await app.request('GET', `/api/events/${event}`, { token: tenant.token })).body).toMatchObject({ EventTitle: title, RegistrationCount: 1 });
    }

    it.each(['ExamFormAttached', 'RegistrationRequested'])('register-lax, its %s append failing once', async (failing) => {
      const registration = newId();
      const body = registerBody(tenant, { Assessment: 'PHYS-100' });
      const retried = await retriedAfter(failing, () => command(app, tenant, registration, 'register-lax', body));
      await expectOnEvent(registration, retried.body.Exam, 'North Hall / Physics');
    });

    it.each(['ExamFormAttached', 'ExamFormAssigned'])('change-assessment, its %s append failing once', async (failing) => {
      const { registration, event } = await registered(app, tenant);
      await retriedAfter(failing, () => command(app, tenant, registration, 'change-assessment', { Assessment: 'PHYS-100' }));
      expect((await retrieve(app, tenant, registration)).body.AssessmentFormCode).toBe('PHYS-100');
      await expectOnEvent(registration, event, 'North Hall / Various');
    });

    it.each(['ExamFormAttached', 'RegistrationTransferred'])('transfer-lax, its %s append failing once', async (failing) => {
      const { registration } = await registered(app, tenant);
      const body = { EventVenue: tenant.venue, EventStart: nextSlot(), Learner: tenant.learner };
      const retried = await retriedAfter(failing, () => command(app, tenant, registration, 'transfer-lax', body));
      await expectOnEvent(registration, retried.body.Exam, 'North Hall / Chemistry');
    });

    it('a refused change-assessment attaches nothing to the event', async () => {
      const { registration, event } = await registered(app, tenant);
      await command(app, tenant, registration, 'cancel');
      const before = (await storedEvents(app, tenant.org)).length;
      expect((await command(app, tenant, registration, 'change-assessment', { Assessment: 'PHYS-100' })).status).toBe(409);
      expect((await storedEvents(app, tenant.org)).length).toBe(before);
      expect((await app.request('GET', `/api/events/${event}`, { token: tenant.token })).body.EventTitle).toBe('North Hall / Chemistry');
    });
  });

  describe('change-assessment', () => {
    it('assigns the form, recomputes the time limit and attaches the form to the event', async () => {
      const { registration, event } = await registered(app, tenant, { Accommodations: [{ Type: 'Extra time', TimeExtension: 10 }] });
      const changed = await command(app, tenant, registration, 'change-assessment', { Assessment: 'PHYS-100' });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ Registration: registration, Form: tenant.physics });
      expect((await retrieve(app, tenant, registration)).body).toMatchObject({
        AssessmentFormIdentifier: tenant.physics,
        AssessmentFormCode: 'PHYS-100',
        AssessmentFormTitle: 'Physics',
        ExamTimeLimit: 70,
        EventTitle: 'North Hall / Various',
        EligibilityStatus: 'Eligible',
      });
      expect((await listEvents(app, tenant)).find((e) => e.EventIdentifier === event).EventTitle).toBe('North Hall / Various');
    });

    it('refuses in the spec’s order, storing nothing', async () => {
      const { registration } = await registered(app, tenant);
      const cancelled = await registered(app, tenant);
      await command(app, tenant, cancelled.registration, 'cancel');
      const before = (await retrieve(app, tenant, registration)).body;
      await storesNothing(async () => {
        expectProblem(await command(app, tenant, newId(), 'change-assessment', { Assessment: 'nope' }), 404, 'Registration not found');
        expectProblem(await command(app, tenant, cancelled.registration, 'change-assessment', { Assessment: 'nope' }), 409, 'Registration is cancelled');
        expectProblem(await command(app, tenant, registration, 'change-assessment', { Assessment: 'nope' }), 400, 'Assessment form not found: nope');
        const noCode = await command(app, tenant, registration, 'change-assessment', {});
        expect({ status: noCode.status, detail: noCode.body.detail }).toEqual({ status: 400, detail: 'Assessment form not found' });
        expectProblem(await command(app, tenant, registration, 'change-assessment', { Assessment: 'Chem-110' }), 409, 'Assessment already assigned to registration');
      });
      expect((await retrieve(app, tenant, registration)).body).toEqual(before);
    });
  });

  describe('grant and revoke accommodations', () => {
    it('grants (a type again replaces it), revokes, and keeps the time limit in step', async () => {
      const { registration } = await registered(app, tenant);
      const grant = (body: object) => command(app, tenant, registration, 'grant-accommodation', body);
      const granted = await grant({ Type: 'Extra time', Name: 'Quarter', TimeExtension: 20 });
      expect(granted.status).toBe(200);
      expect(granted.body).toEqual({
        Registration: registration,
        Accommodations: [{ Type: 'Extra time', Name: 'Quarter', TimeExtension: 20 }],
      });
      await grant({ Type: 'Quiet room' });
      const replaced = await grant({ Type: 'Extra time', Name: 'Half', TimeExtension: 45 });
      expect(replaced.body.Accommodations).toEqual([
        { Type: 'Extra time', Name: 'Half', TimeExtension: 45 },
        { Type: 'Quiet room', Name: null, TimeExtension: null },
      ]);
      expect((await retrieve(app, tenant, registration)).body).toMatchObject({
        ExamTimeLimit: FORM_TIME_LIMIT + 45,
        Accommodations: replaced.body.Accommodations,
      });
      await storesNothing(async () => {
        expect((await grant({ Type: 'Quiet room' })).status).toBe(200);
        const absent = await command(app, tenant, registration, 'revoke-accommodation', { Type: 'Reader' });
        expect(absent.status).toBe(200);
        expect(absent.body.Accommodations).toEqual(replaced.body.Accommodations);
      });
      const revoked = await command(app, tenant, registration, 'revoke-accommodation', { Type: 'Extra time' });
      expect(revoked.body).toEqual({ Registration: registration, Accommodations: [{ Type: 'Quiet room', Name: null, TimeExtension: null }] });
      expect((await retrieve(app, tenant, registration)).body).toMatchObject({
        ExamTimeLimit: FORM_TIME_LIMIT,
        Accommodations: revoked.body.Accommodations,
        LastChangeType: 'ExamTimeLimited',
      });
    });

    it('stores free text without surrounding spaces, as the catalog does: a type granted as " Reader " is revoked as "Reader"', async () => {
      const { registration } = await registered(app, tenant, {
        LearnerRegistrantType: ' Apprentice ',
        Accommodations: [{ Type: ' Reader ', Name: '  Reads aloud ' }],
      });
      const grant = (Type: string) => command(app, tenant, registration, 'grant-accommodation', { Type, TimeExtension: 10 });
      expect((await grant('Extra time\t')).body.Accommodations).toEqual([
        { Type: 'Reader', Name: 'Reads aloud', TimeExtension: null },
        { Type: 'Extra time', Name: null, TimeExtension: 10 },
      ]);
      // The same type with other spaces replaces it rather than adding a second.
      expect((await grant(' Extra time')).body.Accommodations).toHaveLength(2);
      const revoked = await command(app, tenant, registration, 'revoke-accommodation', { Type: 'Reader  ' });
      expect(revoked.body.Accommodations).toEqual([{ Type: 'Extra time', Name: null, TimeExtension: 10 }]);
      expect((await retrieve(app, tenant, registration)).body).toMatchObject({ RegistrantType: 'Apprentice', Accommodations: revoked.body.Accommodations });
    });

    it('stores a transfer’s and a cancellation’s reason without surrounding spaces, a blank one as null', async () => {
      const reasonsOf = async (registration: string) =>
        (await storedEvents(app, tenant.org))
          .filter((e) => e.streamId === `registration-${registration}` && (e.type === 'RegistrationTransferred' || e.type === 'RegistrationCancelled'))
          .map((e) => [e.type, (e.data as { Reason: string | null }).Reason]);
      const { registration } = await registered(app, tenant);
      const moved = await command(app, tenant, registration, 'transfer-lax', {
        EventVenue: tenant.venue,
        EventStart: nextSlot(),
        Learner: tenant.learner,
        Reason: '  Asked for another day\t',
      });
      expect(moved.status).toBe(201);
      expect((await command(app, tenant, registration, 'cancel', { Reason: ' Withdrew  ' })).status).toBe(200);
      expect(await reasonsOf(registration)).toEqual([
        ['RegistrationTransferred', 'Asked for another day'],
        ['RegistrationCancelled', 'Withdrew'],
      ]);
      const blank = (await registered(app, tenant)).registration;
      expect((await command(app, tenant, blank, 'cancel', { Reason: '   ' })).status).toBe(200);
      expect(await reasonsOf(blank)).toEqual([['RegistrationCancelled', null]]);
    });

    it('refuses in the spec’s order, storing nothing; a cancelled registration may still lose accommodations', async () => {
      const cancelled = await registered(app, tenant, { Accommodations: [{ Type: 'Reader' }] });
      await command(app, tenant, cancelled.registration, 'cancel');
      const theirs = await registered(app, other);
      await storesNothing(async () => {
        expectProblem(await command(app, tenant, newId(), 'grant-accommodation', { Type: '  ' }), 400, 'Accommodation type cannot be empty');
        expectProblem(await command(app, tenant, newId(), 'grant-accommodation', { Name: 'No type' }), 400, 'Accommodation type cannot be empty');
        expectProblem(await command(app, tenant, newId(), 'grant-accommodation', { Type: 'Reader' }), 404, 'Registration not found');
        expectProblem(await command(app, tenant, theirs.registration, 'grant-accommodation', { Type: 'Reader' }), 404, 'Registration not found');
        expectProblem(await command(app, tenant, cancelled.registration, 'grant-accommodation', { Type: 'Scribe' }), 409, 'Registration is cancelled');
        expectProblem(await command(app, tenant, newId(), 'revoke-accommodation', { Type: 'Reader' }), 404, 'Registration not found');
      });
      const revoked = await command(app, tenant, cancelled.registration, 'revoke-accommodation', { Type: 'Reader' });
      expect(revoked.status).toBe(200);
      expect((await retrieve(app, tenant, cancelled.registration)).body.Accommodations).toEqual([]);
    });
  });

  describe('read model follows the catalog', () => {
    it('shows a renamed learner and an edited form on every registration', async () => {
      const a = await registered(app, tenant, { Learner: tenant.otherLearner });
      const b = await registered(app, tenant, { Learner: tenant.otherLearner });
      const renamed = await app.request('PUT', `/api/learners/${tenant.otherLearner}`, {
        token: tenant.token,
        body: { Name: 'Alan M. Turing', Email: 'turing@example.org', Code: 'P-2b' },
      });
      expect(renamed.status).toBe(200);
      const edited = await app.request('PUT', `/api/assessment-forms/${tenant.chemistry}`, {
        token: tenant.token,
        body: { Code: 'CHEM-110', Name: 'Chemistry final exam', Title: 'Chemistry', Status: 'Published', Asset: 1, TimeLimit: FORM_TIME_LIMIT },
      });
      expect(edited.status).toBe(200);
      for (const { registration } of [a, b]) {
        expect((await retrieve(app, tenant, registration)).body).toMatchObject({
          LearnerName: 'Alan M. Turing',
          LearnerEmail: 'turing@example.org',
          LearnerCode: 'P-2b',
          AssessmentFormName: 'Chemistry final exam',
        });
      }
    });
  });

  describe('commands see catalog changes as soon as they are answered', () => {
    it('finds a form by code as last defined: archived, then replaced by a form with a higher asset', async () => {
      const own = await defineTenant(app);
      const physics = { Code: 'PHYS-100', Name: 'Physics final', Title: 'Physics', Asset: 1, TimeLimit: 60 };
      const put = (form: string, body: object) => app.request('PUT', `/api/assessment-forms/${form}`, { token: own.token, body });
      // Twice, so that whatever a command remembers of the code is in play.
      for (let i = 0; i < 2; i++) {
        const { registration } = await registered(app, own, { Assessment: 'PHYS-100' });
        expect((await retrieve(app, own, registration)).body.AssessmentFormIdentifier).toBe(own.physics);
      }

      expect((await put(own.physics, { ...physics, Status: 'Archived' })).status).toBe(200);
      const refused = await command(app, own, newId(), 'register-lax', registerBody(own, { Assessment: 'PHYS-100' }));
      expectProblem(refused, 400, 'Assessment form not found');

      expect((await put(own.physics, { ...physics, Status: 'Published' })).status).toBe(200);
      const newer = newId();
      expect((await put(newer, { ...physics, Status: 'Published', Asset: 2 })).status).toBe(201);
      for (let i = 0; i < 2; i++) {
        const { registration } = await registered(app, own, { Assessment: 'phys-100' });
        expect((await retrieve(app, own, registration)).body.AssessmentFormIdentifier).toBe(newer);
      }
    });

    it('takes a form TimeLimit of 0 as a limit of 0 minutes, not as no limit: accommodations extend it', async () => {
      const own = await defineTenant(app);
      const form = newId();
      const put = await app.request('PUT', `/api/assessment-forms/${form}`, {
        token: own.token,
        body: { Code: 'ORAL-0', Title: 'Oral', Status: 'Published', Asset: 1, TimeLimit: 0 },
      });
      expect(put.status).toBe(201);
      const { registration } = await registered(app, own, { Assessment: 'ORAL-0', Accommodations: [{ Type: 'Extra time', TimeExtension: 10 }] });
      expect((await retrieve(app, own, registration)).body).toMatchObject({ AssessmentFormIdentifier: form, ExamTimeLimit: 10 });
    });

    it('finds a learner defined after a command looked for it in vain', async () => {
      const own = await defineTenant(app);
      const learner = newId();
      const refused = await command(app, own, newId(), 'register-lax', registerBody(own, { Learner: learner }));
      expectProblem(refused, 400, 'Learner not found');
      const defined = await app.request('PUT', `/api/learners/${learner}`, { token: own.token, body: { Name: 'Grace Hopper' } });
      expect(defined.status).toBe(201);
      await registered(app, own, { Learner: learner });
    });
  });

  describe('request shape', () => {
    it('lists every shape problem in one 400 and stores nothing', async () => {
      const registration = newId();
      await storesNothing(async () => {
        const bad = await command(app, tenant, registration, 'register-lax', {
          EventVenue: 'hall-1',
          EventStart: '2031-03-03T09:00:00',
          EventExamType: 7,
          Learner: 'ada',
          Assessment: ['CHEM-110'],
          Accommodations: [{ Type: 'Extra time', TimeExtension: 1.5 }, { Type: 'Reader', TimeExtension: -5 }, 'Scribe'],
        });
        expectProblem(bad, 400, '');
        const fields = bad.body.errors.map((e: { field: string }) => e.field);
        expect(fields).toEqual(
          expect.arrayContaining(['EventVenue', 'EventStart', 'EventExamType', 'Learner', 'Assessment', 'Accommodations.0.TimeExtension', 'Accommodations.1.TimeExtension', 'Accommodations']),
        );
        const notArray = await command(app, tenant, registration, 'register-lax', registerBody(tenant, { Accommodations: { Type: 'Reader' } }));
        expect(notArray.status).toBe(400);
        expect(notArray.body.errors.map((e: { field: string }) => e.field)).toContain('Accommodations');
        const noOffset = await command(app, tenant, registration, 'register-lax', registerBody(tenant, { EventStart: '2031-03-03T09:00' }));
        expect(noOffset.body.errors).toEqual([expect.objectContaining({ field: 'EventStart' })]);
        expect((await command(app, tenant, 'not-a-uuid', 'register-lax', registerBody(tenant))).status).toBe(400);
        const longText = await command(app, tenant, registration, 'register-lax', registerBody(tenant, { LearnerRegistrantType: 'x'.repeat(501) }));
        expect(longText.body.errors).toEqual([expect.objectContaining({ field: 'LearnerRegistrantType' })]);
        const grant = await command(app, tenant, registration, 'grant-accommodation', { Type: 'Extra time', TimeExtension: '30' });
        expect(grant.status).toBe(400);
        expect(new Set(grant.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['TimeExtension']));
        const revoke = await command(app, tenant, registration, 'revoke-accommodation', {});
        expect(revoke.status).toBe(400);
        expect(new Set(revoke.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['Type']));
        const transfer = await command(app, tenant, registration, 'transfer-lax', { EventVenue: tenant.venue, EventStart: 'tomorrow', Learner: 5 });
        expect(transfer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['EventStart', 'Learner']);
      });
      expect((await retrieve(app, tenant, registration)).status).toBe(404);
    });

    it('answers 415 to a form-encoded body and 400 to a time extension beyond a year, storing nothing', async () => {
      const { registration } = await registered(app, tenant);
      await storesNothing(async () => {
        const form = await app.request('POST', `/api/registrations/${registration}/commands/grant-accommodation`, {
          token: tenant.token,
          rawBody: 'Type=Reader',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        expectProblem(form, 415, 'Request body must be JSON (Content-Type: application/json)');
        const huge = await command(app, tenant, registration, 'grant-accommodation', { Type: 'Extra time', TimeExtension: 525_601 });
        expect(huge.body.errors).toEqual([{ field: 'TimeExtension', message: 'TimeExtension must be at most 525600 minutes (a year)' }]);
        const registerHuge = await command(app, tenant, newId(), 'register-lax', registerBody(tenant, { Accommodations: [{ Type: 'Extra time', TimeExtension: 1e300 }] }));
        expect(registerHuge.body.errors).toEqual([expect.objectContaining({ field: 'Accommodations.0.TimeExtension' })]);
      });
      expect((await retrieve(app, tenant, registration)).body.Accommodations).toEqual([]);
    });

    it('names the problem a value of the wrong type has, not a range or size it fails as well', async () => {
      const { registration } = await registered(app, tenant);
      await storesNothing(async () => {
        for (const TimeExtension of ['abc', '5', true, {}]) {
          const grant = await command(app, tenant, registration, 'grant-accommodation', { Type: 'Extra time', TimeExtension });
          expect(grant.body.errors).toEqual([{ field: 'TimeExtension', message: 'must be a whole number of minutes' }]);
        }
        const negative = await command(app, tenant, registration, 'grant-accommodation', { Type: 'Extra time', TimeExtension: -1 });
        expect(negative.body.errors).toEqual([{ field: 'TimeExtension', message: 'must be 0 or more minutes' }]);
        const nested = await command(app, tenant, newId(), 'register-lax', registerBody(tenant, { Accommodations: [{ Type: 'Extra time', TimeExtension: 'abc' }] }));
        expect(nested.body.errors).toEqual([{ field: 'Accommodations.0.TimeExtension', message: 'must be a whole number of minutes' }]);
        for (const Accommodations of [{ Type: 'Extra time' }, 'x', 5, true]) {
          const register = await command(app, tenant, newId(), 'register-lax', registerBody(tenant, { Accommodations }));
          expect(register.body.errors).toEqual([{ field: 'Accommodations', message: 'Accommodations must be an array' }]);
          const transfer = await command(app, tenant, registration, 'transfer-lax', { EventVenue: tenant.venue, EventStart: '2031-01-01T09:00:00Z', Learner: tenant.learner, Accommodations });
          expect(transfer.body.errors).toEqual([{ field: 'Accommodations', message: 'Accommodations must be an array' }]);
        }
      });
      expect((await retrieve(app, tenant, registration)).body.Accommodations).toEqual([]);
    });

    it('takes a POST with no body that names the form type (jQuery’s $.post, curl -d \'\') as one with no body', async () => {
      const { registration } = await registered(app, tenant);
      const cancel = await app.request('POST', `/api/registrations/${registration}/commands/cancel`, {
        token: tenant.token,
        rawBody: '',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(cancel.status).toBe(200);
      expect(cancel.body).toEqual({ Registration: registration, Status: 'Cancelled' });
    });

    it.each([
      ['register-lax', 'EventVenue'],
      ['cancel', 'Reason'],
      ['grant-accommodation', 'Type'],
    ])('%s: a bad id and a bad body are listed in one 400, the id first (spec §1)', async (name, badField) => {
      const badId = { field: 'registration', message: 'must be a UUID' };
      const notObject = await command(app, tenant, 'not-a-uuid', name, [1]);
      expect(notObject.body.errors).toEqual([badId, { field: 'body', message: 'must be a JSON object' }]);
      const badFields = await command(app, tenant, 'not-a-uuid', name, { EventVenue: 5, Type: 5, Reason: 5 });
      expect(badFields.body.errors[0]).toEqual(badId);
      expect(badFields.body.errors).toContainEqual({ field: badField, message: expect.any(String) });
      const onlyTheId = await command(app, tenant, 'not-a-uuid', name, registerBody(tenant, { Type: 'Reader' }));
      expect(onlyTheId.body.errors).toEqual([badId]);
    });

    it('answers malformed JSON 400, a non-object body 400, non-JSON 415 and an oversized body 413', async () => {
      const registration = newId();
      const path = `/api/registrations/${registration}/commands/register-lax`;
      await storesNothing(async () => {
        const malformed = await app.request('POST', path, { token: tenant.token, rawBody: '{"Learner": ', headers: { 'content-type': 'application/json' } });
        expectProblem(malformed, 400, 'not valid JSON');
        expect((await app.request('POST', path, { token: tenant.token, body: [registerBody(tenant)] })).status).toBe(400);
        const text = await app.request('POST', path, { token: tenant.token, rawBody: 'Learner=x', headers: { 'content-type': 'text/plain' } });
        expect(text.status).toBe(415);
        const huge = await app.request('POST', path, { token: tenant.token, body: { ...registerBody(tenant), Padding: 'x'.repeat(1024 * 1024) } });
        expect(huge.status).toBe(413);
        expect(huge.headers.get('content-type')).toContain('application/problem+json');
      });
      expect((await retrieve(app, tenant, registration)).status).toBe(404);
    });

    it('answers 401 without a token and 403 without booking:write (commands) or booking:read (retrieve)', async () => {
      const { registration } = await registered(app, tenant);
      const readOnly = await app.token(tenant.org, ['booking:read']);
      const writeOnly = await app.token(tenant.org, ['booking:write']);
      await storesNothing(async () => {
        expect((await app.request('POST', `/api/registrations/${registration}/commands/cancel`, { body: {} })).status).toBe(401);
        const forbidden = await app.request('POST', `/api/registrations/${registration}/commands/cancel`, { token: readOnly, body: {} });
        expectProblem(forbidden, 403, 'booking:write');
        expect((await app.request('DELETE', `/api/registrations/${registration}`, { token: readOnly })).status).toBe(403);
      });
      expect((await app.request('GET', `/api/registrations/${registration}`, { token: writeOnly })).status).toBe(403);
      expect((await app.request('GET', `/api/registrations/${registration}`, { token: readOnly })).status).toBe(200);
    });
  });
});
