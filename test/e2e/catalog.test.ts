import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId, TestApp } from '../support/test-app.js';

describe('catalog (spec §2) over HTTP on the embedded stores', () => {
  let app: TestApp;
  const org = newId();
  const otherOrg = newId();
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    app = await TestApp.start();
    token = await app.token(org);
    otherToken = await app.token(otherOrg);
  });
  afterAll(() => app.close());

  it('creates a venue (201), shows it on the next request, then replaces it (200)', async () => {
    const venue = newId();
    const created = await app.request('PUT', `/api/venues/${venue}`, {
      token,
      body: { Name: 'North Hall', TimeZone: 'America/Vancouver', Address: { City: 'Victoria' } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      VenueIdentifier: venue,
      Name: 'North Hall',
      TimeZone: 'America/Vancouver',
      Address: { Street: null, City: 'Victoria', Province: null, PostalCode: null, Country: null },
    });

    const replaced = await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'South Hall' } });
    expect(replaced.status).toBe(200);
    const read = await app.request('GET', `/api/venues/${venue}`, { token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ Name: 'South Hall', TimeZone: 'UTC', Address: null });
  });

  it('normalises upper-case ids and lists the collection', async () => {
    const learner = newId().toUpperCase();
    const put = await app.request('PUT', `/api/learners/${learner}`, {
      token,
      body: { Name: 'Ada Lovelace', Email: 'ada@example.org', Code: 'P-1' },
    });
    expect(put.status).toBe(201);
    expect(put.body.LearnerIdentifier).toBe(learner.toLowerCase());
    const list = await app.request('GET', '/api/learners', { token });
    expect(list.body).toContainEqual({
      LearnerIdentifier: learner.toLowerCase(),
      Name: 'Ada Lovelace',
      Email: 'ada@example.org',
      Code: 'P-1',
    });
  });

  it('stores assessment forms and billing codes with their derived exam duration', async () => {
    const form = newId();
    const putForm = await app.request('PUT', `/api/assessment-forms/${form}`, {
      token,
      body: { Code: 'MATH-1', Title: 'Mathematics', Status: 'Published', Asset: 3, TimeLimit: 90 },
    });
    expect(putForm.status).toBe(201);
    expect(putForm.body).toEqual({
      AssessmentFormIdentifier: form,
      Code: 'MATH-1',
      Name: null,
      Title: 'Mathematics',
      Status: 'Published',
      Asset: 3,
      TimeLimit: 90,
    });
    const code = encodeURIComponent('Exam Fee (3h)');
    const putCode = await app.request('PUT', `/api/billing-codes/${code}`, { token, body: {} });
    expect(putCode.status).toBe(201);
    expect(putCode.body).toEqual({ Code: 'Exam Fee (3h)', Duration: null, ExamDuration: 180 });
  });

  it('stores a zero as given: Asset 0 and TimeLimit 0 are not "missing", and Duration 0 wins over a (Nh) suffix', async () => {
    const form = newId();
    const putForm = await app.request('PUT', `/api/assessment-forms/${form}`, {
      token,
      body: { Code: 'ZERO-1', Status: 'Published', Asset: 0, TimeLimit: 0 },
    });
    expect(putForm.status).toBe(201);
    expect((await app.request('GET', `/api/assessment-forms/${form}`, { token })).body).toMatchObject({ Asset: 0, TimeLimit: 0 });
    const code = encodeURIComponent(`Free Sitting ${newId()} (2h)`);
    const putCode = await app.request('PUT', `/api/billing-codes/${code}`, { token, body: { Duration: 0 } });
    expect(putCode.status).toBe(201);
    expect(putCode.body).toEqual({ Code: decodeURIComponent(code), Duration: 0, ExamDuration: 0 });
  });

  it('keeps billing codes case-sensitive: codes differing only in case are two entries, each with its own history', async () => {
    const upper = `FEE ${newId()} (2h)`;
    const lower = upper.toLowerCase();
    const putUpper = await app.request('PUT', `/api/billing-codes/${encodeURIComponent(upper)}`, { token, body: { Duration: 30 } });
    const putLower = await app.request('PUT', `/api/billing-codes/${encodeURIComponent(lower)}`, { token, body: {} });
    expect([putUpper.status, putLower.status]).toEqual([201, 201]);
    expect((await app.request('GET', `/api/billing-codes/${encodeURIComponent(upper)}`, { token })).body).toEqual({ Code: upper, Duration: 30, ExamDuration: 30 });
    expect((await app.request('GET', `/api/billing-codes/${encodeURIComponent(lower)}`, { token })).body).toEqual({ Code: lower, Duration: null, ExamDuration: 120 });
    const auditor = await app.token(org, ['audit:read']);
    for (const code of [upper, lower]) {
      const history = await app.request('GET', `/api/billing-codes/${encodeURIComponent(code)}/history`, { token: auditor });
      expect(history.status).toBe(200);
      expect(history.body.map((entry: { Data: { Code: string } }) => entry.Data.Code)).toEqual([code]);
    }
  });

  it('keeps organizations apart: the same id names two entries, and one cannot see the other', async () => {
    const venue = newId();
    await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'Ours' } });
    const hidden = await app.request('GET', `/api/venues/${venue}`, { token: otherToken });
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('content-type')).toContain('application/problem+json');
    expect(hidden.body.detail).toContain('Venue not found');

    const theirs = await app.request('PUT', `/api/venues/${venue}`, { token: otherToken, body: { Name: 'Theirs' } });
    expect(theirs.status).toBe(201);
    expect((await app.request('GET', `/api/venues/${venue}`, { token })).body.Name).toBe('Ours');
    expect((await app.request('GET', '/api/venues', { token: otherToken })).body).toEqual([theirs.body]);
  });

  it('refuses bad bodies with field errors and stores nothing', async () => {
    const venue = newId();
    const bad = await app.request('PUT', `/api/venues/${venue}`, {
      token,
      body: { Name: '', TimeZone: 'Mars/Olympus', Address: { City: 7 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['Name', 'TimeZone', 'Address.City']));
    expect((await app.request('GET', `/api/venues/${venue}`, { token })).status).toBe(404);

    const form = await app.request('PUT', `/api/assessment-forms/${newId()}`, {
      token,
      body: { Code: 'X', Status: 'Live', Asset: 1.5, TimeLimit: -1 },
    });
    expect(form.status).toBe(400);
    expect(form.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['Status', 'Asset', 'TimeLimit']),
    );
  });

  it('refuses a blank required Name or Code ("not specified" includes blank) and stores nothing', async () => {
    const venue = newId();
    const learner = newId();
    const form = newId();
    const blankVenue = await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: '   ' } });
    const blankLearner = await app.request('PUT', `/api/learners/${learner}`, { token, body: { Name: '\t' } });
    const blankForm = await app.request('PUT', `/api/assessment-forms/${form}`, { token, body: { Code: ' ', Status: 'Published' } });
    for (const [answer, field] of [[blankVenue, 'Name'], [blankLearner, 'Name'], [blankForm, 'Code']] as const) {
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toContainEqual({ field, message: 'must not be blank' });
    }
    expect((await app.request('GET', `/api/venues/${venue}`, { token })).status).toBe(404);
    expect((await app.request('GET', `/api/learners/${learner}`, { token })).status).toBe(404);
    expect((await app.request('GET', `/api/assessment-forms/${form}`, { token })).status).toBe(404);
  });

  it('takes IANA time zone names only: ICU codes such as BST (Dhaka there) are refused; blank is the default UTC', async () => {
    for (const TimeZone of ['BST', 'IST', 'PST', 'SystemV/AST4']) {
      const venue = newId();
      const refused = await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'London Centre', TimeZone } });
      expect([TimeZone, refused.status, refused.body.errors]).toEqual([TimeZone, 400, [{ field: 'TimeZone', message: 'must be an IANA time zone name' }]]);
      expect((await app.request('GET', `/api/venues/${venue}`, { token })).status).toBe(404);
    }
    // IANA's own links and three-letter names stay valid.
    for (const TimeZone of ['US/Pacific', 'EST', 'Etc/GMT+5']) {
      expect((await app.request('PUT', `/api/venues/${newId()}`, { token, body: { Name: 'Hall', TimeZone } })).status).toBe(201);
    }
    for (const [TimeZone, stored] of [['', 'UTC'], ['   ', 'UTC'], [' Europe/London ', 'Europe/London']]) {
      const venue = newId();
      expect((await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'Hall', TimeZone } })).status).toBe(201);
      expect((await app.request('GET', `/api/venues/${venue}`, { token })).body.TimeZone).toBe(stored);
    }
  });

  it('stores catalog text without surrounding spaces, and refuses an Asset JSON cannot carry exactly', async () => {
    const learner = newId();
    await app.request('PUT', `/api/learners/${learner}`, { token, body: { Name: ' Ada ', Email: ' ada@example.org ', Code: ' P-1 ' } });
    expect((await app.request('GET', `/api/learners/${learner}`, { token })).body).toMatchObject({ Name: 'Ada', Email: 'ada@example.org', Code: 'P-1' });
    const trimmedForm = newId();
    await app.request('PUT', `/api/assessment-forms/${trimmedForm}`, { token, body: { Code: ' MATH-9 ', Name: ' Maths paper ', Title: ' Mathematics ' } });
    expect((await app.request('GET', `/api/assessment-forms/${trimmedForm}`, { token })).body).toMatchObject({
      Code: 'MATH-9',
      Name: 'Maths paper',
      Title: 'Mathematics',
    });
    const form = newId();
    // 1e20 is an integer, but not one a JSON number holds exactly: it was stored as another number.
    for (const Asset of [1e20, 2 ** 53]) {
      const refused = await app.request('PUT', `/api/assessment-forms/${form}`, { token, body: { Code: 'X', Asset } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([{ field: 'Asset', message: expect.stringContaining('must be an integer') }]);
    }
    expect((await app.request('GET', `/api/assessment-forms/${form}`, { token })).status).toBe(404);
    expect((await app.request('PUT', `/api/assessment-forms/${form}`, { token, body: { Code: 'X', Asset: 2 ** 53 - 1 } })).status).toBe(201);
  });

  it('names one problem per field: the first check that failed, not every rule a wrong type also breaks', async () => {
    const bad = await app.request('PUT', `/api/venues/${newId()}`, { token, body: { Address: { City: 7 } } });
    // A missing Name used to add "must be shorter than or equal to 500 characters" too.
    expect(bad.body.errors).toEqual([
      { field: 'Name', message: 'Name must be a string' },
      { field: 'Address.City', message: 'City must be a string' },
    ]);
    const blank = await app.request('PUT', `/api/billing-codes/${encodeURIComponent('  ')}`, { token, body: {} });
    expect(blank.body.errors).toEqual([{ field: 'code', message: 'must not be blank' }]);
  });

  it('refuses minutes beyond a year (a billing code that long once made scheduling answer 500)', async () => {
    const code = encodeURIComponent(`Huge ${newId()}`);
    const huge = await app.request('PUT', `/api/billing-codes/${code}`, { token, body: { Duration: 1e300 } });
    expect(huge.status).toBe(400);
    expect(huge.body.errors).toEqual([{ field: 'Duration', message: 'Duration must be at most 525600 minutes (a year)' }]);
    expect((await app.request('GET', `/api/billing-codes/${code}`, { token })).status).toBe(404);
    const form = await app.request('PUT', `/api/assessment-forms/${newId()}`, { token, body: { Code: 'X', TimeLimit: 525_601 } });
    expect(form.body.errors).toEqual([{ field: 'TimeLimit', message: 'TimeLimit must be at most 525600 minutes (a year)' }]);

    // The longest duration allowed still schedules an exam event.
    const venue = newId();
    await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'Long Hall' } });
    expect((await app.request('PUT', `/api/billing-codes/${code}`, { token, body: { Duration: 525_600 } })).status).toBe(201);
    const scheduled = await app.request('POST', `/api/events/${newId()}`, {
      token,
      body: { EventVenue: venue, EventStart: '2031-01-01T09:00:00Z', EventExamType: 'Sitting', EventExamFormat: 'Paper', EventBillingCode: decodeURIComponent(code) },
    });
    expect(scheduled.status).toBe(201);
  });

  it('takes billing codes of 1 to 100 characters, however long their URL encoding, and refuses longer ones with 400', async () => {
    // 100 characters whose encoding is three times as long.
    const longest = ' ()'.repeat(33) + 'x';
    const put = await app.request('PUT', `/api/billing-codes/${encodeURIComponent(longest)}`, { token, body: {} });
    expect(put.status).toBe(201);
    expect((await app.request('GET', `/api/billing-codes/${encodeURIComponent(longest)}`, { token })).body).toMatchObject({ Code: longest });
    const tooLong = await app.request('PUT', `/api/billing-codes/${'x'.repeat(101)}`, { token, body: {} });
    expect(tooLong).toMatchObject({ status: 400, body: { errors: [{ field: 'code', message: 'must be 1 to 100 characters' }] } });
    expect((await app.request('GET', `/api/billing-codes/${'x'.repeat(101)}`, { token })).status).toBe(400);
    // Characters, not UTF-16 units: 100 emoji are 100 characters, as `EventBillingCode` counts them.
    const emoji = '📝'.repeat(100);
    expect((await app.request('PUT', `/api/billing-codes/${encodeURIComponent(emoji)}`, { token, body: {} })).status).toBe(201);
    expect((await app.request('GET', `/api/billing-codes/${encodeURIComponent(emoji)}`, { token })).body).toMatchObject({ Code: emoji });
    expect((await app.request('PUT', `/api/billing-codes/${encodeURIComponent('📝'.repeat(101))}`, { token, body: {} })).status).toBe(400);
    const nul = await app.request('PUT', '/api/billing-codes/a%00b', { token, body: {} });
    expect(nul).toMatchObject({ status: 400, body: { errors: [{ field: 'code', message: 'must not contain a NUL character' }] } });
    expect((await app.request('GET', '/api/billing-codes/a%00b', { token })).status).toBe(400);
  });

  it('answers 401 without a valid token and 403 without the scope', async () => {
    const venue = newId();
    expect((await app.request('PUT', `/api/venues/${venue}`, { body: { Name: 'X' } })).status).toBe(401);
    expect((await app.request('GET', '/api/venues', { token: 'not-a-jwt' })).status).toBe(401);
    const readOnly = await app.token(org, ['booking:read']);
    const forbidden = await app.request('PUT', `/api/venues/${venue}`, { token: readOnly, body: { Name: 'X' } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    // RFC 9110 requires the challenge on a 401; RFC 6750 words it for bearer tokens.
    expect((await app.request('GET', '/api/venues')).headers.get('www-authenticate')).toBe('Bearer');
    expect((await app.request('GET', '/api/venues', { token: 'not-a-jwt' })).headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(forbidden.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="catalog:write"');
    expect((await app.request('GET', `/api/venues/${venue}`, { token })).status).toBe(404);
  });

  it('reads the bearer header alike before and after its token is remembered', async () => {
    const venue = newId();
    const forms: Array<[(token: string) => string, number]> = [
      [(token) => `bearer   ${token}`, 404],
      [(token) => `Bearer ${token}`, 404],
      [(token) => `Bearer ${token} ${token}`, 401],
      [(token) => `Bearer${token}`, 401],
      [(token) => `Basic ${token}`, 401],
    ];
    const statusOf = async (authorization: string) => (await app.request('GET', `/api/venues/${venue}`, { headers: { authorization } })).status;
    for (const [index, [form, status]] of forms.entries()) {
      // A token of its own (another actor) per form: unknown to the API until sent as `Bearer <token>`.
      const token = await app.token(org, undefined, `reader-${index}`);
      const sent = form(token).replace(token, '<token>');
      expect([sent, 'unknown', await statusOf(form(token))]).toEqual([sent, 'unknown', status]);
      expect(await statusOf(`Bearer ${token}`)).toBe(404);
      expect([sent, 'remembered', await statusOf(form(token))]).toEqual([sent, 'remembered', status]);
    }
  });

  it('answers 400 for a non-UUID id, malformed JSON and a non-object body; 415 for non-JSON (text, form); 413 over 1 MiB', async () => {
    expect((await app.request('PUT', '/api/venues/not-a-uuid', { token, body: { Name: 'X' } })).status).toBe(400);
    const venue = newId();
    const malformed = await app.request('PUT', `/api/venues/${venue}`, {
      token,
      rawBody: '{"Name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    expect(malformed.body.detail).toBe('Request body is not valid JSON');
    expect((await app.request('PUT', `/api/venues/${venue}`, { token, body: ['Name'] })).status).toBe(400);
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const notJson = await app.request('PUT', `/api/venues/${venue}`, { token, rawBody: 'Name=X', headers: { 'content-type': contentType } });
      expect(notJson.status).toBe(415);
      expect(notJson.headers.get('content-type')).toContain('application/problem+json');
      expect(notJson.body.detail).toBe('Request body must be JSON (Content-Type: application/json)');
    }
    const huge = await app.request('PUT', `/api/venues/${venue}`, {
      token,
      body: { Name: 'X', Padding: 'x'.repeat(1024 * 1024) },
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toContain('application/problem+json');
    expect(huge.body.detail).toBe('Request body is larger than 1 MiB');
    expect((await app.request('GET', `/api/venues/${venue}`, { token })).status).toBe(404);
  });

  it('returns X-Request-Id on every response and keeps a sane one given by the caller', async () => {
    const health = await app.request('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBeTruthy();
    const echoed = await app.request('GET', '/api/venues', { token, headers: { 'x-request-id': 'trace-42' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-42');
    const unknown = await app.request('GET', '/api/nothing-here', { token });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
  });
});
