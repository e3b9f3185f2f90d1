import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventSourcedStreams } from '../../libs/application/src/event-sourcing/event-sourced-streams.js';
import { registrationDecider } from '../../libs/domain/src/registration/registration.decider.js';
import { registrationStreamId } from '../../libs/domain/src/registration/registration.state.js';
import type { EventStore } from '../../libs/event-store/src/event-store.js';
import type { Projector } from '../../libs/read-model/src/projector.js';
import { EVENT_STORE, PROJECTOR } from '../../apps/api/src/infrastructure/tokens.js';
import { appendAll, type FormSeed, type LearnerSeed, RegistrationHistory } from '../../scripts/seed/registration-history.js';
import { newId, TestApp } from '../support/test-app.js';

/**
 * Registrations are made through the real event path (events the registration decider decides,
 * appended to the app's event store, projected by the app's runner), which lets each one carry a
 * chosen LastChangeTime.
 */
describe('registration search and count (spec §5) over HTTP', () => {
  let app: TestApp;
  let token: string;
  let otherToken: string;
  let eventStore: EventStore;
  let runner: Projector;
  let streams: EventSourcedStreams;
  const org = newId();
  const otherOrg = newId();
  const hour = (n: number) => new Date(Date.UTC(2026, 0, 10, n));

  const learners = {
    ada: { id: newId(), name: 'Ada Lovelace', email: 'ada@example.org', code: 'P-100' },
    alan: { id: newId(), name: 'Alan Turing', email: 'ALAN@Example.ORG', code: 'P-200' },
    grace: { id: newId(), name: 'Grace Hopper', email: null, code: 'X_1%' },
    edsger: { id: newId(), name: 'Edsger (W.) Dijkstra', email: 'ewd@utexas.edu', code: null },
    barbara: { id: newId(), name: 'Barbara "Liskov" .* {"$gt":""}', email: 'bl@mit.edu', code: 'B-1' },
  } satisfies Record<string, LearnerSeed>;
  const form: FormSeed = { id: newId(), code: 'MATH-1', title: 'Mathematics' };
  const examEvent = newId();
  const venue = newId();

  /** Registration ids by learner key; `tie1`/`tie2` share a LastChangeTime. */
  const ids: Record<string, string> = {};

  async function register(history: RegistrationHistory, key: string, learnerId: string, at: Date) {
    ids[key] = newId();
    await settle(appendAll(eventStore, [history.registration(ids[key], examEvent, learnerId, form, at)]));
  }

  async function settle(position: Promise<bigint | null>) {
    const reached = await position;
    if (reached !== null) await runner.waitFor(reached);
  }

  async function change(id: string, command: 'CancelRegistration' | 'DeleteRegistration', at: Date) {
    const context = { organization: org, actor: 'tester', correlationId: newId(), now: at };
    const result = await streams.update(
      registrationStreamId(id),
      registrationDecider,
      (state) => registrationDecider.decide({ type: command, registrationId: id, organization: org, reason: null }, state),
      context,
    );
    if (result.position !== null) await runner.waitFor(result.position);
  }

  const search = (body: unknown, as = token) => app.request('POST', '/api/registrations/search', { token: as, body });
  const count = (body: unknown, as = token) => app.request('POST', '/api/registrations/count', { token: as, body });
  const idsOf = (rows: Array<{ RegistrationIdentifier: string }>) => rows.map((row) => row.RegistrationIdentifier);

  beforeAll(async () => {
    app = await TestApp.start();
    token = await app.token(org);
    otherToken = await app.token(otherOrg);
    eventStore = app.app.get(EVENT_STORE);
    runner = app.app.get(PROJECTOR);
    streams = app.app.get(EventSourcedStreams);

    const ours = new RegistrationHistory(streams, org);
    const setUpAt = hour(0);
    await settle(
      appendAll(eventStore, [
        ...Object.values(learners).map((learner) => ours.learner(learner, setUpAt)),
        ours.form(form, setUpAt),
        ours.examEvent(
          { id: examEvent, number: 1, venue: { id: venue, name: 'North Hall', timeZone: 'America/Vancouver' }, start: '2027-03-01T09:00:00-08:00' },
          setUpAt,
        ),
      ]),
    );
    await register(ours, 'ada', learners.ada.id, hour(1));
    await register(ours, 'alan', learners.alan.id, hour(2));
    await register(ours, 'grace', learners.grace.id, hour(3));
    await register(ours, 'edsger', learners.edsger.id, hour(4));
    await register(ours, 'barbara', learners.barbara.id, hour(5));
    await register(ours, 'tie1', learners.ada.id, hour(6));
    await register(ours, 'tie2', learners.ada.id, hour(6));

    // Another organization with a learner of the same name.
    const theirs = new RegistrationHistory(streams, otherOrg);
    const twin = { ...learners.ada, id: newId() };
    await settle(appendAll(eventStore, [theirs.learner(twin, setUpAt), theirs.form(form, setUpAt)]));
    ids.theirs = newId();
    await settle(appendAll(eventStore, [theirs.registration(ids.theirs, newId(), twin.id, form, hour(7))]));
  });
  afterAll(() => app.close());

  /** Newest first; the two registrations changed at the same time by id ascending. */
  const allInOrder = () => [
    ...[ids.tie1, ids.tie2].sort(),
    ids.barbara,
    ids.edsger,
    ids.grace,
    ids.alan,
    ids.ada,
  ];

  it('returns every registration of the organization, newest change first, ties by id, with X-Total-Count', async () => {
    const response = await search({});
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('x-total-count')).toBe('7');
    expect(idsOf(response.body)).toEqual(allInOrder());
  });

  it('shows exactly the row fields, missing values as null, and no internal field', async () => {
    const response = await search({ Name: 'grace' });
    expect(response.body).toEqual([
      {
        RegistrationIdentifier: ids.grace,
        RegistrationStatus: 'Registered',
        AttendanceStatus: null,
        EventIdentifier: examEvent,
        EventNumber: 1,
        EventFormat: 'Paper',
        EventScheduledStart: '2027-03-01T09:00:00-08:00',
        EventVenue: venue,
        AssessmentFormIdentifier: form.id,
        AssessmentFormCode: 'MATH-1',
        AssessmentFormName: null,
        AssessmentFormTitle: 'Mathematics',
        LearnerIdentifier: learners.grace.id,
        LearnerCode: 'X_1%',
        LearnerName: 'Grace Hopper',
        LearnerEmail: null,
        LastChangeTime: '2026-01-10T03:00:00.000Z',
        LastChangeType: 'ExamTimeLimited',
      },
    ]);
  });

  it('matches Name, Email and Code as case-insensitive substrings', async () => {
    expect(idsOf((await search({ Name: 'LOVELACE' })).body)).toEqual([...[ids.tie1, ids.tie2].sort(), ids.ada]);
    expect(idsOf((await search({ Email: 'example.org' })).body)).toEqual([
      ...[ids.tie1, ids.tie2].sort(),
      ids.alan,
      ids.ada,
    ]);
    expect(idsOf((await search({ Code: 'p-2' })).body)).toEqual([ids.alan]);
    // One or two characters are matched too (below the trigram index's reach).
    expect(idsOf((await search({ Name: 'Gr' })).body)).toEqual([ids.grace]);
    expect(idsOf((await search({ Email: 'EW' })).body)).toEqual([ids.edsger]);
  });

  it('folds the case of letters beyond ASCII too, in search and count', async () => {
    // An organization of its own, so the other cases' lists stay as they are.
    const intl = newId();
    const history = new RegistrationHistory(streams, intl);
    const emilie = { id: newId(), name: 'Émilie Ørsted', email: 'ÉMILIE@Ørsted.dk', code: 'ÉC-9' };
    await settle(appendAll(eventStore, [history.learner(emilie, hour(0)), history.form(form, hour(0))]));
    const registration = newId();
    await settle(appendAll(eventStore, [history.registration(registration, newId(), emilie.id, form, hour(1))]));
    const intlToken = await app.token(intl);
    for (const criteria of [{ Name: 'émilie' }, { Name: 'ØRSTED' }, { Name: 'é' }, { Email: 'émilie@ørsted' }, { Code: 'éc-9' }, { Code: 'Éc' }]) {
      expect(idsOf((await search(criteria, intlToken)).body)).toEqual([registration]);
      expect((await count(criteria, intlToken)).body).toBe(1);
    }
  });

  it('ANDs the criteria', async () => {
    expect(idsOf((await search({ Name: 'a', Email: 'example', Code: '200' })).body)).toEqual([ids.alan]);
    expect((await search({ Name: 'ada', Code: '200' })).body).toEqual([]);
    const window = { LastChangeTimeSince: '2026-01-10T01:00:00Z', LastChangeTimeBefore: '2026-01-10T06:00:00Z' };
    expect(idsOf((await search({ ...window, Email: 'example' })).body)).toEqual([ids.alan, ids.ada]);
    expect((await count({ ...window, Email: 'example' })).body).toBe(2);
  });

  it('takes LastChangeTimeSince inclusive and LastChangeTimeBefore exclusive, in any offset', async () => {
    // 2026-01-10T03:00Z is 19:00 the day before in Vancouver.
    const since = await search({ LastChangeTimeSince: '2026-01-09T19:00:00-08:00' });
    expect(idsOf(since.body)).toEqual(allInOrder().slice(0, 5));
    const before = await search({ LastChangeTimeBefore: '2026-01-10T08:30:00+05:30' });
    expect(idsOf(before.body)).toEqual([ids.alan, ids.ada]);
    const both = await search({ LastChangeTimeSince: '2026-01-10T02:00Z', LastChangeTimeBefore: '2026-01-10T04:00:00.000Z' });
    expect(idsOf(both.body)).toEqual([ids.grace, ids.alan]);
    // Bounds finer than the stored milliseconds: Grace's change at 03:00:00.000 is just before both.
    const justAfterGrace = '2026-01-10T03:00:00.0001Z';
    expect(idsOf((await search({ LastChangeTimeSince: justAfterGrace })).body)).toEqual(allInOrder().slice(0, 4));
    expect(idsOf((await search({ LastChangeTimeBefore: justAfterGrace })).body)).toEqual([ids.grace, ids.alan, ids.ada]);
    // An empty window is no error: nothing matches.
    const empty = await search({ LastChangeTimeSince: '2026-01-10T04:00:00Z', LastChangeTimeBefore: '2026-01-10T02:00:00Z' });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);
    expect(empty.headers.get('x-total-count')).toBe('0');
  });

  it('rejects times without an offset or malformed, listing each field', async () => {
    for (const endpoint of ['search', 'count']) {
      const response = await app.request('POST', `/api/registrations/${endpoint}`, {
        token,
        body: { LastChangeTimeSince: '2026-01-10T01:00:00', LastChangeTimeBefore: 'tomorrow' },
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.detail).toBe('The request is invalid');
      expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'LastChangeTimeBefore',
        'LastChangeTimeSince',
      ]);
    }
    for (const bad of [42, '2026-02-30T00:00:00Z', '2026-01-10 01:00:00Z', '+012026-01-10T01:00:00Z']) {
      const response = await search({ LastChangeTimeSince: bad });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        { field: 'LastChangeTimeSince', message: 'LastChangeTimeSince must be an ISO 8601 date-time with an offset' },
      ]);
    }
  });

  it('pages with Skip and Take (default 100, 1–1000) while X-Total-Count stays the total', async () => {
    const first = await search({ Take: 1 });
    expect(idsOf(first.body)).toEqual(allInOrder().slice(0, 1));
    expect(first.headers.get('x-total-count')).toBe('7');
    const middle = await search({ Skip: 2, Take: 3 });
    expect(idsOf(middle.body)).toEqual(allInOrder().slice(2, 5));
    const max = await search({ Take: 1000 });
    expect(max.status).toBe(200);
    expect(max.body).toHaveLength(7);
    const beyond = await search({ Skip: 7 });
    expect(beyond.status).toBe(200);
    expect(beyond.body).toEqual([]);
    expect(beyond.headers.get('x-total-count')).toBe('7');
    expect((await search({ Skip: 1_000_000 })).body).toEqual([]);
    // null means not specified: the defaults apply.
    expect((await search({ Skip: null, Take: null })).body).toHaveLength(7);
  });

  it('rejects Take 0 and 1001, negative or fractional Skip, and numbers sent as strings', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ Take: 0 }, 'Take'],
      [{ Take: 1001 }, 'Take'],
      [{ Take: '5' }, 'Take'],
      [{ Skip: -1 }, 'Skip'],
      [{ Skip: 1.5 }, 'Skip'],
      [{ Skip: 1e300 }, 'Skip'],
    ];
    for (const [body, field] of cases) {
      const response = await search(body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining([field]));
    }
    const messages = (await search({ Take: 1001 })).body.errors.map((e: { message: string }) => e.message);
    expect(messages).toEqual(['Take must not be greater than 1000']);
    // One message per field: a string Take is not also "not greater than 1000" and "not less than 1".
    expect((await search({ Take: '5' })).body.errors).toEqual([{ field: 'Take', message: 'Take must be an integer number' }]);
  });

  it('treats hostile strings as plain text, never as pattern or operator', async () => {
    expect(idsOf((await search({ Name: '.*' })).body)).toEqual([ids.barbara]);
    expect(idsOf((await search({ Name: '"' })).body)).toEqual([ids.barbara]);
    expect(idsOf((await search({ Name: '"Liskov"' })).body)).toEqual([ids.barbara]);
    expect(idsOf((await search({ Name: '{"$gt":""}' })).body)).toEqual([ids.barbara]);
    expect(idsOf((await search({ Name: '(W.)' })).body)).toEqual([ids.edsger]);
    expect(idsOf((await search({ Name: '(' })).body)).toEqual([ids.edsger]);
    expect(idsOf((await search({ Code: '%' })).body)).toEqual([ids.grace]);
    expect(idsOf((await search({ Code: '_' })).body)).toEqual([ids.grace]);
    for (const text of ['%%', 'a%e', 'A_a', '.+', '^Ada', "' OR 1=1 --", 'NEAR(ada lovelace)', 'ada OR turing']) {
      expect((await search({ Name: text })).body).toEqual([]);
    }
  });

  it('refuses criteria that are not strings with 400', async () => {
    for (const body of [{ Name: { $gt: '' } }, { Email: ['a'] }, { Code: 5 }, { Name: { $contains: 'a' } }]) {
      for (const endpoint of ['search', 'count']) {
        const response = await app.request('POST', `/api/registrations/${endpoint}`, { token, body });
        expect(response.status).toBe(400);
        const field = Object.keys(body)[0];
        expect(response.body.errors).toContainEqual({ field, message: `${field} must be a string` });
      }
    }
    const tooLong = await search({ Name: 'a'.repeat(501) });
    expect(tooLong.status).toBe(400);
    expect((await search(['Name'])).status).toBe(400);
  });

  it('treats blank criteria as not specified', async () => {
    const blank = await search({ Name: '', Email: '   ', Code: null, LastChangeTimeSince: null });
    expect(idsOf(blank.body)).toEqual(allInOrder());
    expect((await count({ Email: '' })).body).toBe(7);
    // Blank window bounds too: no bound (they were a 400).
    const blankWindow = await search({ LastChangeTimeSince: '', LastChangeTimeBefore: '  ' });
    expect(idsOf(blankWindow.body)).toEqual(allInOrder());
    expect((await count({ LastChangeTimeBefore: '' })).body).toBe(7);
  });

  it('counts with a bare JSON integer', async () => {
    const all = await count({});
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toContain('application/json');
    expect(all.text).toBe('7');
    expect((await count({ Name: 'ada' })).body).toBe(3);
    expect((await count({ Name: 'nobody' })).text).toBe('0');
    // Paging fields do not apply to a count and are ignored like any unknown property.
    expect((await count({ Take: 1, Skip: 5 })).body).toBe(7);
  });

  it('keeps organizations apart', async () => {
    const theirs = await search({ Name: 'Ada Lovelace' }, otherToken);
    expect(idsOf(theirs.body)).toEqual([ids.theirs]);
    expect(theirs.headers.get('x-total-count')).toBe('1');
    expect((await count({}, otherToken)).body).toBe(1);
    expect(idsOf((await search({}, token)).body)).not.toContain(ids.theirs);
    expect((await search({}, await app.token(newId()))).body).toEqual([]);
  });

  it('needs a token with booking:read', async () => {
    expect((await app.request('POST', '/api/registrations/search', { body: {} })).status).toBe(401);
    const writeOnly = await app.token(org, ['booking:write']);
    for (const endpoint of ['search', 'count']) {
      const response = await app.request('POST', `/api/registrations/${endpoint}`, { token: writeOnly, body: {} });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.detail).toBe('This endpoint requires the booking:read scope');
    }
  });

  it('keeps cancelled registrations with their status and drops deleted ones', async () => {
    await change(ids.edsger, 'CancelRegistration', hour(8));
    await change(ids.grace, 'DeleteRegistration', hour(9));

    const rows = (await search({})).body;
    expect(rows[0]).toMatchObject({
      RegistrationIdentifier: ids.edsger,
      RegistrationStatus: 'Cancelled',
      LastChangeType: 'RegistrationCancelled',
      LastChangeTime: '2026-01-10T08:00:00.000Z',
    });
    expect(idsOf(rows)).not.toContain(ids.grace);
    expect(rows).toHaveLength(6);
    expect((await search({ Name: 'grace' })).body).toEqual([]);
    expect((await count({})).body).toBe(6);
    expect((await count({ Code: '%' })).body).toBe(0);
  });
});
