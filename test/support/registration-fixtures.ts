/** Catalog data, requests and store probes shared by the registration end-to-end suites. */
import { expect, jest } from '@jest/globals';
import type { EventStore, StoredEvent } from '../../libs/event-store/src/event-store.js';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens.js';
import { newId, type HttpResponse, TestApp } from './test-app.js';
import { wholeLog } from './event-log.js';

export const FORM_TIME_LIMIT = 90;

/** One organization's catalog: a Vancouver venue, two learners, two forms and a 2-hour billing code. */
export interface Tenant {
  org: string;
  token: string;
  venue: string;
  learner: string;
  otherLearner: string;
  chemistry: string;
  physics: string;
}

export async function defineTenant(app: TestApp): Promise<Tenant> {
  const org = newId();
  const token = await app.token(org);
  const tenant: Tenant = {
    org,
    token,
    venue: newId(),
    learner: newId(),
    otherLearner: newId(),
    chemistry: newId(),
    physics: newId(),
  };
  const put = async (path: string, body: object) => {
    const response = await app.request('PUT', path, { token, body });
    expect(response.status).toBe(201);
  };
  await put(`/api/venues/${tenant.venue}`, { Name: 'North Hall', TimeZone: 'America/Vancouver' });
  await put(`/api/learners/${tenant.learner}`, { Name: 'Ada Lovelace', Email: 'ada@example.org', Code: 'P-1' });
  await put(`/api/learners/${tenant.otherLearner}`, { Name: 'Alan Turing', Email: 'alan@example.org', Code: 'P-2' });
  await put(`/api/assessment-forms/${tenant.chemistry}`, {
    Code: 'CHEM-110',
    Name: 'Chemistry final',
    Title: 'Chemistry',
    Status: 'Published',
    Asset: 1,
    TimeLimit: FORM_TIME_LIMIT,
  });
  await put(`/api/assessment-forms/${tenant.physics}`, {
    Code: 'PHYS-100',
    Name: 'Physics final',
    Title: 'Physics',
    Status: 'Published',
    Asset: 1,
    TimeLimit: 60,
  });
  await put(`/api/billing-codes/${encodeURIComponent('Exam Fee (2h)')}`, {});
  return tenant;
}

export const SLOT_DATE = '2031-03-03';
const SLOTS_A_DAY = 16 * 60;
/** The days slots are taken from: SLOT_DATE first, then the days after it while Vancouver keeps PST. */
const SLOT_DAYS = 6;
let minute = 0;
/**
 * A future start (Vancouver time, PST) in a minute no other test of the run uses: from 08:01 on
 * SLOT_DATE, then on the days after it (deep runs of the reliability suite take thousands).
 */
export function nextSlot(): string {
  minute += 1;
  const day = Math.floor(minute / SLOTS_A_DAY);
  if (day >= SLOT_DAYS) throw new Error(`nextSlot: all ${SLOT_DAYS * SLOTS_A_DAY - 1} slots of this test file are taken`);
  const hour = 8 + Math.floor((minute % SLOTS_A_DAY) / 60);
  const date = `${SLOT_DATE.slice(0, 8)}${String(Number(SLOT_DATE.slice(8)) + day).padStart(2, '0')}`;
  return `${date}T${String(hour).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00-08:00`;
}

export function registerBody(tenant: Tenant, overrides: Record<string, unknown> = {}) {
  return {
    EventVenue: tenant.venue,
    EventStart: nextSlot(),
    EventExamType: 'Sitting',
    EventExamFormat: 'Paper',
    EventBillingCode: 'Exam Fee (2h)',
    Learner: tenant.learner,
    Assessment: 'chem-110',
    ...overrides,
  };
}

export function command(app: TestApp, tenant: Tenant, registration: string, name: string, body: unknown = {}) {
  return app.request('POST', `/api/registrations/${registration}/commands/${name}`, { token: tenant.token, body });
}

export function retrieve(app: TestApp, tenant: Tenant, registration: string) {
  return app.request('GET', `/api/registrations/${registration}`, { token: tenant.token });
}

/** Registers a new registration and returns its id and event. */
export async function registered(app: TestApp, tenant: Tenant, overrides: Record<string, unknown> = {}) {
  const registration = newId();
  const response = await command(app, tenant, registration, 'register-lax', registerBody(tenant, overrides));
  await expectStatusIn(app, response, [200, 201]);
  return { registration, event: response.body.Exam as string, response };
}

/**
 * Fails with the whole answer, what readiness said right after it and the service's last warnings
 * and errors, not only the status: a 503 of a rare race (once in 120 deep runs of the races,
 * sessions 33–35) said nothing more.
 */
export async function expectStatusIn(app: TestApp, response: HttpResponse, allowed: readonly number[]): Promise<void> {
  if (allowed.includes(response.status)) return;
  const ready = await app.request('GET', '/health/ready');
  const logs = app.recentLogs().join('');
  throw new Error(
    `Expected a status in [${allowed.join(', ')}], got ${response.status}: ${response.text}\nReadiness then: ${ready.status} ${ready.text}` +
      `\nThe service's last warnings and errors:\n${logs || '(none)'}`,
  );
}

/** A problem+json answer with this status whose `detail` carries the spec's message. */
export function expectProblem(response: HttpResponse, status: number, message: string): void {
  expect({ status: response.status, detail: response.body?.detail }).toEqual({
    status,
    detail: expect.stringContaining(message),
  });
  expect(response.headers.get('content-type')).toContain('application/problem+json');
}

export function eventStore(app: TestApp): EventStore {
  return app.app.get<string, EventStore>(EVENT_STORE, { strict: false });
}

/**
 * Appends holding an event of `type` (or of any of `types`) fail as on a full disk (a command
 * stopped part way): the next one only, or (`every`) each until the returned restore is called.
 */
export function failAppendsOf(app: TestApp, types: string | readonly string[], { every = false } = {}): () => void {
  const store = eventStore(app);
  const append = store.append.bind(store);
  const failing = new Set(typeof types === 'string' ? [types] : types);
  let armed = true;
  const spy = jest.spyOn(store, 'append').mockImplementation(async (streamId, events, expected) => {
    if (armed && events.some((e) => failing.has(e.type))) {
      armed = every;
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    }
    return append(streamId, events, expected);
  });
  return () => spy.mockRestore();
}

/**
 * The left-events reactor finds nothing to do until the returned function is called: a test of
 * what a command completes itself (the reactor would complete it too, a second or two later).
 */
export function keepReactorOut(app: TestApp): () => void {
  const spy = jest.spyOn(eventStore(app), 'readTypes').mockResolvedValue({ events: [], last: null });
  return () => spy.mockRestore();
}

/** Every event stored for the organization, oldest first. */
export async function storedEvents(app: TestApp, org: string): Promise<StoredEvent[]> {
  return (await wholeLog(eventStore(app))).filter((event) => event.metadata.organization === org);
}

export async function listEvents(app: TestApp, tenant: Tenant, date = SLOT_DATE): Promise<any[]> {
  const response = await app.request('GET', `/api/events/list-events?date=${date}`, { token: tenant.token });
  expect(response.status).toBe(200);
  return response.body;
}
