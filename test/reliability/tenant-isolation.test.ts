/**
 * The tenant-isolation matrix: organization B, holding every scope, aims every endpoint at
 * organization A's venue, learner, form, billing code, exam event and registration. Each answer
 * must be exactly what B gets for a thing that does not exist (same status, same message once the
 * id is masked), lists and searches must not show A's data, and A's data must be unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newId, type HttpResponse, TestApp } from '../support/test-app.js';
import { command, defineTenant, listEvents, registerBody, registered, retrieve, storedEvents, type Tenant } from '../support/registration-fixtures.js';

/** The things of A a probe aims at; `missing` supplies ids that exist nowhere. */
interface Target {
  venue: string;
  learner: string;
  form: string;
  formCode: string;
  billingCode: string;
  event: string;
  registration: string;
}

interface Probe {
  name: string;
  method: string;
  path: (t: Target) => string;
  body?: (t: Target, b: Tenant) => unknown;
}

describe('tenant isolation: organization B against organization A, every endpoint', () => {
  let app: TestApp;
  let a: Tenant;
  let b: Tenant;
  let ofA: Target;
  let bRegistration: string;

  beforeAll(async () => {
    app = await TestApp.start();
    [a, b] = [await defineTenant(app), await defineTenant(app)];
    // Things only A has, so that B's own catalog cannot answer for them.
    const form = newId();
    expect((await app.request('PUT', `/api/assessment-forms/${form}`, { token: a.token, body: { Code: 'A-ONLY', Title: 'Secret', Status: 'Published', Asset: 1 } })).status).toBe(201);
    expect((await app.request('PUT', '/api/billing-codes/A-ONLY-FEE', { token: a.token, body: { Duration: 60 } })).status).toBe(201);
    expect((await app.request('PUT', `/api/learners/${a.learner}`, { token: a.token, body: { Name: 'Zelda Quixote', Email: 'zelda@a.example', Code: 'ZQ-1' } })).status).toBe(200);
    const { registration, event } = await registered(app, a, { Accommodations: [{ Type: 'Reader', TimeExtension: 5 }] });
    ofA = { venue: a.venue, learner: a.learner, form, formCode: 'A-ONLY', billingCode: 'A-ONLY-FEE', event, registration };
    bRegistration = (await registered(app, b)).registration;
  });
  afterAll(() => app.close());

  const missing = (): Target => ({
    venue: newId(),
    learner: newId(),
    form: newId(),
    formCode: 'NOBODY-HAS-THIS',
    billingCode: 'NOBODY-HAS-THIS-FEE',
    event: newId(),
    registration: newId(),
  });

  const slot = (t: Target, start = '2031-05-05T10:00:00-07:00') => ({
    EventVenue: t.venue,
    EventStart: start,
    EventExamType: 'Sitting',
    EventExamFormat: 'Paper',
    EventBillingCode: 'Exam Fee (2h)',
  });
  const regCommand = (name: string, body?: Probe['body']): Probe => ({
    name,
    method: 'POST',
    path: (t) => `/api/registrations/${t.registration}/commands/${name}`,
    body,
  });

  const probes: Probe[] = [
    { name: 'GET venue', method: 'GET', path: (t) => `/api/venues/${t.venue}` },
    { name: 'GET learner', method: 'GET', path: (t) => `/api/learners/${t.learner}` },
    { name: 'GET form', method: 'GET', path: (t) => `/api/assessment-forms/${t.form}` },
    { name: 'GET billing code', method: 'GET', path: (t) => `/api/billing-codes/${t.billingCode}` },
    { name: 'GET registration', method: 'GET', path: (t) => `/api/registrations/${t.registration}` },
    { name: 'GET registration as of', method: 'GET', path: (t) => `/api/registrations/${t.registration}?asOf=2040-01-01T00:00:00Z` },
    { name: 'registration history', method: 'GET', path: (t) => `/api/registrations/${t.registration}/history` },
    { name: 'GET exam event', method: 'GET', path: (t) => `/api/events/${t.event}` },
    { name: 'event history', method: 'GET', path: (t) => `/api/events/${t.event}/history` },
    { name: 'venue history', method: 'GET', path: (t) => `/api/venues/${t.venue}/history` },
    { name: 'learner history', method: 'GET', path: (t) => `/api/learners/${t.learner}/history` },
    { name: 'form history', method: 'GET', path: (t) => `/api/assessment-forms/${t.form}/history` },
    { name: 'billing code history', method: 'GET', path: (t) => `/api/billing-codes/${t.billingCode}/history` },
    { name: 'scrap paper', method: 'GET', path: (t) => `/api/events/scrap-paper?id=${t.event}` },
    { name: 'cancel exam event', method: 'POST', path: (t) => `/api/events/${t.event}/cancel`, body: () => ({ Reason: 'hostile' }) },
    { name: 'schedule at A venue', method: 'POST', path: () => `/api/events/${newId()}`, body: (t) => ({ ...slot(t), EventStart: '2031-05-06T10:00:00-07:00' }) },
    { name: 'schedule with A billing code', method: 'POST', path: () => `/api/events/${newId()}`, body: (t, b) => ({ ...slot({ ...t, venue: b.venue }), EventBillingCode: t.billingCode }) },
    regCommand('transfer-lax', (_t, b) => ({ EventVenue: b.venue, EventStart: '2031-05-07T10:00:00-07:00', Learner: b.learner })),
    regCommand('cancel', () => ({ Reason: 'hostile' })),
    regCommand('change-assessment', () => ({ Assessment: 'PHYS-100' })),
    regCommand('grant-accommodation', () => ({ Type: 'Hostile', TimeExtension: 999 })),
    regCommand('revoke-accommodation', () => ({ Type: 'Reader' })),
    { name: 'DELETE registration', method: 'DELETE', path: (t) => `/api/registrations/${t.registration}` },
    { name: 'register-lax with A learner', method: 'POST', path: () => `/api/registrations/${newId()}/commands/register-lax`, body: (t, b) => registerBody(b, { Learner: t.learner }) },
    { name: 'register-lax with A form', method: 'POST', path: () => `/api/registrations/${newId()}/commands/register-lax`, body: (t, b) => registerBody(b, { Assessment: t.formCode }) },
    { name: 'register-lax at A venue', method: 'POST', path: () => `/api/registrations/${newId()}/commands/register-lax`, body: (t, b) => registerBody(b, { EventVenue: t.venue }) },
    { name: 'register-lax with A billing code', method: 'POST', path: () => `/api/registrations/${newId()}/commands/register-lax`, body: (t, b) => registerBody(b, { EventBillingCode: t.billingCode }) },
    { name: 'transfer-lax of B registration to A venue', method: 'POST', path: () => `/api/registrations/${bRegistration}/commands/transfer-lax`, body: (t, b) => ({ EventVenue: t.venue, EventStart: '2031-05-08T10:00:00-07:00', Learner: b.learner }) },
    { name: 'transfer-lax of B registration to A learner', method: 'POST', path: () => `/api/registrations/${bRegistration}/commands/transfer-lax`, body: (t, b) => ({ EventVenue: b.venue, EventStart: '2031-05-08T10:00:00-07:00', Learner: t.learner }) },
  ];

  /** Status, content type and message, with the target's ids masked. */
  function outcome(response: HttpResponse, t: Target) {
    let detail: string | undefined = response.body?.detail;
    for (const id of Object.values(t)) detail = detail?.split(id).join('<id>');
    return { status: response.status, type: response.headers.get('content-type')?.split(';')[0] ?? null, detail, errors: response.body?.errors };
  }

  /** What A can see of its own things. */
  async function snapshotOfA() {
    const get = async (path: string) => (await app.request('GET', path, { token: a.token })).body;
    return {
      venue: await get(`/api/venues/${ofA.venue}`),
      learner: await get(`/api/learners/${ofA.learner}`),
      form: await get(`/api/assessment-forms/${ofA.form}`),
      billingCode: await get(`/api/billing-codes/${ofA.billingCode}`),
      registration: await get(`/api/registrations/${ofA.registration}`),
      events: await listEvents(app, a, '2031-03'),
      stored: (await storedEvents(app, a.org)).length,
    };
  }

  it('answers B about A exactly as about nothing, and A keeps everything', async () => {
    const before = await snapshotOfA();
    expect(before.registration.RegistrationStatus).toBe('Registered');
    // Every probe is refused: none may store anything for B either (a refused register-lax left an exam event behind).
    const storedForB = (await storedEvents(app, b.org)).length;
    for (const probe of probes) {
      const asMissing = missing();
      const onMissing = await app.request(probe.method, probe.path(asMissing), { token: b.token, body: probe.body?.(asMissing, b) });
      const onA = await app.request(probe.method, probe.path(ofA), { token: b.token, body: probe.body?.(ofA, b) });
      expect({ probe: probe.name, ...outcome(onA, ofA) }).toEqual({ probe: probe.name, ...outcome(onMissing, asMissing) });
      // A probe that only ever meets shape validation would prove nothing about tenancy.
      expect({ probe: probe.name, detail: onA.body?.detail }).not.toEqual({ probe: probe.name, detail: 'The request is invalid' });
      expect({ probe: probe.name, status: onA.status < 500 && onA.status !== 200 && onA.status !== 201 }).toEqual({ probe: probe.name, status: true });
    }
    expect(await snapshotOfA()).toEqual(before);
    expect((await storedEvents(app, b.org)).length).toBe(storedForB);
  });

  it('keeps A out of what B lists, searches and counts, while A sees its own', async () => {
    const asB = (method: string, path: string, body?: unknown) => app.request(method, path, { token: b.token, body });
    const asA = (method: string, path: string, body?: unknown) => app.request(method, path, { token: a.token, body });
    for (const [method, path, body] of [
      ['GET', '/api/venues'],
      ['GET', '/api/learners'],
      ['GET', '/api/assessment-forms'],
      ['GET', '/api/billing-codes'],
      ['GET', '/api/events/list-events?date=2031-03'],
      ['POST', '/api/registrations/search', {}],
      ['POST', '/api/registrations/search', { Name: 'zelda' }],
    ] as const) {
      const seenByA = (await asA(method, path, body)).text;
      const seenByB = await asB(method, path, body);
      expect(seenByB.status).toBe(200);
      for (const id of Object.values(ofA).filter((v) => v !== 'A-ONLY')) {
        expect({ path, leaked: seenByB.text.includes(id) }).toEqual({ path, leaked: false });
      }
      expect(seenByB.text).not.toContain('Zelda');
      expect(seenByA).toMatch(new RegExp(`${ofA.venue}|${ofA.learner}|${ofA.form}|${ofA.billingCode}|${ofA.event}|${ofA.registration}`));
    }
    // The anonymous listing of upcoming classes, asked for B: A's event is upcoming, and shown only for A.
    const classesOf = (org: string) => app.request('GET', `/api/events/classes?organization=${org}`);
    const classesOfB = await classesOf(b.org);
    expect(classesOfB.status).toBe(200);
    expect(classesOfB.text).not.toContain(ofA.event);
    expect((await classesOf(a.org)).text).toContain(ofA.event);
    expect((await asB('POST', '/api/registrations/count', { Name: 'zelda' })).body).toBe(0);
    expect((await asA('POST', '/api/registrations/count', { Name: 'zelda' })).body).toBe(1);
    expect((await asB('POST', '/api/registrations/search', { Code: 'ZQ-1' })).headers.get('x-total-count')).toBe('0');
  });

  it('lets B create its own catalog entry under an id A uses, without touching A', async () => {
    const before = (await app.request('GET', `/api/venues/${a.venue}`, { token: a.token })).body;
    const put = await app.request('PUT', `/api/venues/${a.venue}`, { token: b.token, body: { Name: 'B Hall' } });
    expect(put.status).toBe(201);
    expect((await app.request('GET', `/api/venues/${a.venue}`, { token: a.token })).body).toEqual(before);
    expect((await app.request('GET', `/api/venues/${a.venue}`, { token: b.token })).body).toMatchObject({ Name: 'B Hall' });
  });

  it('looks a form code up in the caller’s own catalog, even right after the other organization looked up the same code', async () => {
    // Both organizations have a form coded CHEM-110; a lookup remembered without its organization gave B A's form.
    for (const [first, second] of [[a, b], [b, a]] as const) {
      await registered(app, first);
      const { registration } = await registered(app, second);
      const shown = (await retrieve(app, second, registration)).body;
      expect({ AssessmentFormIdentifier: shown.AssessmentFormIdentifier }).toEqual({ AssessmentFormIdentifier: second.chemistry });
    }
  });

  it('says only that a registration id is taken when B reuses one of A', async () => {
    const response = await command(app, b, ofA.registration, 'register-lax', registerBody(b));
    expect(response.status).toBe(409);
    expect(response.body.detail).toBe('Registration already exists');
    expect(response.text).not.toMatch(new RegExp(`${ofA.event}|${ofA.learner}|Zelda`));
  });
});
