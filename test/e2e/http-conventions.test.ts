/**
 * How the API reads request bodies and methods, whatever the endpoint (spec §1): bodies too deep
 * to walk, empty bodies labelled JSON, prototype keys, and methods a path does not serve.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId, TestApp } from '../support/test-app.js';
import { defineTenant, eventStore, expectProblem, registerBody, registered, retrieve, type Tenant } from '../support/registration-fixtures.js';

/** `{ "<key>": [[[…1…]]] }` with `levels` levels below the top object. */
function nested(key: string, levels: number): string {
  return `{"${key}":${'['.repeat(levels)}1${']'.repeat(levels)}}`;
}

describe('request bodies and methods', () => {
  let app: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    app = await TestApp.start();
    tenant = await defineTenant(app);
  });
  afterAll(() => app.close());

  const json = { 'content-type': 'application/json' };

  it('refuses a body nested too deep to walk with a 400 that stores nothing, on queries and commands alike', async () => {
    const before = await eventStore(app).headPosition();
    // About 1,300 levels overflowed the validation's recursion: a 500 before.
    const tooDeep = [
      ['POST', '/api/registrations/count', nested('Foo', 1_500)],
      ['PUT', `/api/learners/${newId()}`, `{"Name":${'{"a":'.repeat(3_000)}"x"${'}'.repeat(3_000)}}`],
      ['POST', `/api/registrations/${newId()}/commands/register-lax`, JSON.stringify(registerBody(tenant)).replace('}', `,"Accommodations":${'['.repeat(2_000)}${']'.repeat(2_000)}}`)],
      ['POST', '/api/registrations/count', nested('Foo', 32)],
    ] as const;
    for (const [method, path, rawBody] of tooDeep) {
      expectProblem(await app.request(method, path, { token: tenant.token, rawBody, headers: json }), 400, 'more than 32 levels deep');
    }
    expect(await eventStore(app).headPosition()).toBe(before);
    // Deep, but within the limit: an unknown property, ignored.
    const within = await app.request('POST', '/api/registrations/count', { token: tenant.token, rawBody: nested('Foo', 31), headers: json });
    expect(within.status).toBe(200);
  });

  it('takes an empty body labelled JSON as no body', async () => {
    const { registration } = await registered(app, tenant);
    const cancelled = await app.request('POST', `/api/registrations/${registration}/commands/cancel`, { token: tenant.token, rawBody: '', headers: json });
    expect({ status: cancelled.status, body: cancelled.body }).toEqual({ status: 200, body: { Registration: registration, Status: 'Cancelled' } });
    const deleted = await app.request('DELETE', `/api/registrations/${newId()}`, { token: tenant.token, rawBody: '', headers: json });
    expect(deleted.status).toBe(204);
    const search = await app.request('POST', '/api/registrations/search', { token: tenant.token, rawBody: '', headers: json });
    expect(search.status).toBe(200);
    expect(search.body).toEqual(expect.arrayContaining([expect.objectContaining({ RegistrationIdentifier: registration })]));
    // What a command requires is still required: each missing field is listed.
    const register = await app.request('POST', `/api/registrations/${newId()}/commands/register-lax`, { token: tenant.token, rawBody: '', headers: json });
    expectProblem(register, 400, 'The request is invalid');
    expect(register.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'Learner' })]));
  });

  it('ignores `__proto__` and `constructor.prototype` keys like any unknown property, without applying them', async () => {
    const learner = newId();
    const put = await app.request('PUT', `/api/learners/${learner}`, {
      token: tenant.token,
      rawBody: '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"Name":"Émilie Ørsted","Email":"e@example.org"}',
      headers: json,
    });
    expect(put.status).toBe(201);
    const got = await app.request('GET', `/api/learners/${learner}`, { token: tenant.token });
    expect(got.body).toEqual(expect.objectContaining({ Name: 'Émilie Ørsted', Email: 'e@example.org' }));
    expect(got.body).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const { registration } = await registered(app, tenant);
    const granted = await app.request('POST', `/api/registrations/${registration}/commands/grant-accommodation`, {
      token: tenant.token,
      rawBody: '{"Type":"Reader","TimeExtension":5,"__proto__":{"TimeExtension":50}}',
      headers: json,
    });
    expect(granted.status).toBe(200);
    expect((await retrieve(app, tenant, registration)).body.Accommodations).toEqual([{ Type: 'Reader', Name: null, TimeExtension: 5 }]);
  });

  it('answers a method a path does not serve with 405 and the methods it does, and an unknown path with 404', async () => {
    const patch = await app.request('PATCH', `/api/venues/${tenant.venue}`, { token: tenant.token, body: { Name: 'South Hall' } });
    expectProblem(patch, 405, 'Method PATCH is not allowed');
    expect(patch.headers.get('allow')).toBe('GET, HEAD, PUT');
    expect(patch.headers.get('x-request-id')).toBeTruthy();
    const put = await app.request('PUT', '/api/registrations/search', { token: tenant.token, body: {} });
    expectProblem(put, 405, 'Method PUT is not allowed');
    expect(put.headers.get('allow')).toContain('POST');
    // The venue is unchanged, and a path nothing serves is still not found.
    expect((await app.request('GET', `/api/venues/${tenant.venue}`, { token: tenant.token })).body.Name).toBe('North Hall');
    expectProblem(await app.request('PATCH', '/api/nothing-here', { token: tenant.token }), 404, 'Cannot PATCH');
  });

  it('answers a path with an empty id 404 for every method, with no Allow that names methods that would 404 too', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'POST'] as const) {
      const answer = await app.request(method, '/api/venues/', { token: tenant.token, body: method === 'PUT' ? { Name: 'X' } : undefined });
      expect([method, answer.status, answer.headers.get('allow')]).toEqual([method, 404, null]);
    }
  });

  it('lists the problems of the path and of the body in one 400, path first (spec §1)', async () => {
    const before = await eventStore(app).headPosition();
    const venue = await app.request('PUT', '/api/venues/not-a-uuid', { token: tenant.token, body: { Name: 5, TimeZone: 'Mars/Olympus' } });
    expect(venue.body.errors).toEqual([
      { field: 'venue', message: 'must be a UUID' },
      { field: 'Name', message: 'Name must be a string' },
      { field: 'TimeZone', message: 'must be an IANA time zone name' },
    ]);
    const event = await app.request('POST', '/api/events/not-a-uuid', { token: tenant.token, body: { EventVenue: 1, RegistrationLimit: 0 } });
    expect(event.body.errors.map((e: { field: string }) => e.field)).toEqual(['event', 'EventVenue', 'RegistrationLimit']);
    const code = await app.request('PUT', `/api/billing-codes/${encodeURIComponent(' ')}`, { token: tenant.token, body: { Duration: -1 } });
    expect(code.body.errors.map((e: { field: string }) => e.field)).toEqual(['code', 'Duration']);
    expect(await eventStore(app).headPosition()).toBe(before);
  });

  it('refuses an id that is not a UUID wherever one is taken, naming the parameter, and takes an upper-case id as the same id (spec §1)', async () => {
    const { registration, event } = await registered(app, tenant);
    const before = await eventStore(app).headPosition();
    const bad = 'not-a-uuid';
    const cases: [method: string, path: string, field: string, body?: unknown][] = [
      ['GET', `/api/venues/${bad}`, 'venue'],
      ['PUT', `/api/venues/${bad}`, 'venue', { Name: 'Hall' }],
      ['GET', `/api/learners/${bad}`, 'learner'],
      ['PUT', `/api/learners/${bad}`, 'learner', { Name: 'Ada' }],
      ['GET', `/api/assessment-forms/${bad}`, 'form'],
      ['PUT', `/api/assessment-forms/${bad}`, 'form', { Code: 'F' }],
      ['GET', `/api/registrations/${bad}`, 'registration'],
      ['DELETE', `/api/registrations/${bad}`, 'registration'],
      ['POST', `/api/registrations/${bad}/commands/register-lax`, 'registration', registerBody(tenant)],
      ['POST', `/api/registrations/${bad}/commands/transfer-lax`, 'registration', { EventVenue: tenant.venue, EventStart: '2031-04-05T10:00:00-07:00', Learner: tenant.learner }],
      ['POST', `/api/registrations/${bad}/commands/cancel`, 'registration', {}],
      ['POST', `/api/registrations/${bad}/commands/change-assessment`, 'registration', { Assessment: 'PHYS-100' }],
      ['POST', `/api/registrations/${bad}/commands/grant-accommodation`, 'registration', { Type: 'Reader' }],
      ['POST', `/api/registrations/${bad}/commands/revoke-accommodation`, 'registration', { Type: 'Reader' }],
      ['POST', `/api/events/${bad}`, 'event', { EventVenue: tenant.venue, EventStart: '2031-04-05T10:00:00-07:00', EventExamType: 'Sitting', EventExamFormat: 'Paper', EventBillingCode: 'Exam Fee (2h)' }],
      ['POST', `/api/events/${bad}/cancel`, 'event', {}],
      ['GET', `/api/events/scrap-paper?id=${bad}`, 'id'],
      ['GET', `/api/events/classes?organization=${bad}`, 'organization'],
      ['GET', `/api/registrations/${bad}/history`, 'registration'],
      ['GET', `/api/events/${bad}/history`, 'event'],
      ['GET', `/api/venues/${bad}/history`, 'venue'],
      ['GET', `/api/learners/${bad}/history`, 'learner'],
      ['GET', `/api/assessment-forms/${bad}/history`, 'form'],
    ];
    for (const [method, path, field, body] of cases) {
      const answer = await app.request(method, path, { token: tenant.token, body });
      expect({ path: `${method} ${path}`, status: answer.status, errors: answer.body?.errors }).toEqual({
        path: `${method} ${path}`,
        status: 400,
        errors: [{ field, message: 'must be a UUID' }],
      });
    }
    expect(await eventStore(app).headPosition()).toBe(before);
    // Upper case names the same things, on reads and on commands alike.
    expect((await app.request('GET', `/api/registrations/${registration.toUpperCase()}`, { token: tenant.token })).body.RegistrationIdentifier).toBe(registration);
    expect((await app.request('GET', `/api/events/${event.toUpperCase()}/history`, { token: tenant.token })).status).toBe(200);
    const empty = newId();
    const scheduled = await app.request('POST', `/api/events/${empty}`, {
      token: tenant.token,
      body: { EventVenue: tenant.venue.toUpperCase(), EventStart: '2031-04-05T10:00:00-07:00', EventExamType: 'Sitting', EventExamFormat: 'Paper', EventBillingCode: 'Exam Fee (2h)' },
    });
    expect(scheduled.status).toBe(201);
    const cancelled = await app.request('POST', `/api/events/${empty.toUpperCase()}/cancel`, { token: tenant.token, body: {} });
    expect([cancelled.status, cancelled.body.EventIdentifier, cancelled.body.EventStatus]).toEqual([200, empty, 'Cancelled']);
  });

  it('lists the problems of the path and of the query in one 400: a registration as of a time (spec §1)', async () => {
    const both = await app.request('GET', '/api/registrations/nope?asOf=2028-01-01T00:00:00', { token: tenant.token });
    expect([both.status, both.body.errors]).toEqual([
      400,
      [
        { field: 'registration', message: 'must be a UUID' },
        { field: 'asOf', message: 'must be an ISO 8601 time with an offset' },
      ],
    ]);
    const pathOnly = await app.request('GET', '/api/registrations/nope?asOf=2028-01-01T00:00:00Z', { token: tenant.token });
    expect(pathOnly.body.errors).toEqual([{ field: 'registration', message: 'must be a UUID' }]);
    const queryOnly = await app.request('GET', `/api/registrations/${newId()}?asOf=yesterday`, { token: tenant.token });
    expect(queryOnly.body.errors).toEqual([{ field: 'asOf', message: 'must be an ISO 8601 time with an offset' }]);
  });

  it('refuses a JSON null body like any other body that is not an object', async () => {
    const { registration } = await registered(app, tenant);
    const cancel = await app.request('POST', `/api/registrations/${registration}/commands/cancel`, { token: tenant.token, rawBody: 'null', headers: json });
    expect(cancel.body.errors).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    expect((await retrieve(app, tenant, registration)).body.RegistrationStatus).toBe('Registered');
    const code = await app.request('PUT', '/api/billing-codes/Null%20Fee', { token: tenant.token, rawBody: 'null', headers: json });
    expect(code.status).toBe(400);
  });
});
