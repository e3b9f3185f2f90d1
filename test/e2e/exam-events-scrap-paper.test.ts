import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PDFParse } from 'pdf-parse';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens.js';
import type { EventStore } from '../../libs/event-store/src/event-store.js';
import { newId, TestApp } from '../support/test-app.js';

const YEAR = new Date().getUTCFullYear() + 2;
const START = `${YEAR}-06-10T09:00:00-07:00`;
const RETURN_NOTICE = 'This must be returned to the invigilator upon completion of the exam.';

async function pdfPages(response: Response): Promise<string[]> {
  const parser = new PDFParse({ data: new Uint8Array(await response.arrayBuffer()) });
  try {
    return (await parser.getText()).pages.map((page) => page.text);
  } finally {
    await parser.destroy();
  }
}

describe('GET /api/events/scrap-paper', () => {
  let app: TestApp;
  const org = newId();
  const venue = newId();
  let token: string;

  beforeAll(async () => {
    app = await TestApp.start();
    token = await app.token(org);
    await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'North Hall', TimeZone: 'America/Vancouver' } });
    await app.request('PUT', '/api/billing-codes/FEE', { token, body: { Duration: 120 } });
    await app.request('PUT', `/api/assessment-forms/${newId()}`, {
      token,
      body: { Code: 'CHEM', Title: 'Chemistry', Status: 'Published', Asset: 1 },
    });
  });
  afterAll(() => app.close());

  const fetchPdf = (eventId: string, authorization: string | null = token) =>
    fetch(`${app.baseUrl}/api/events/scrap-paper?id=${eventId}`, {
      headers: authorization ? { authorization: `Bearer ${authorization}` } : {},
    });

  async function scheduleEvent(start = START): Promise<string> {
    const id = newId();
    const response = await app.request('POST', `/api/events/${id}`, {
      token,
      body: { EventVenue: venue, EventStart: start, EventExamType: 'Class', EventExamFormat: 'Paper', EventBillingCode: 'FEE' },
    });
    expect(response.status).toBe(201);
    return id;
  }

  async function register(name: string, code: string, start = START): Promise<{ registration: string; passcode: string }> {
    const learner = newId();
    await app.request('PUT', `/api/learners/${learner}`, { token, body: { Name: name, Code: code } });
    const registration = newId();
    const response = await app.request('POST', `/api/registrations/${registration}/commands/register-lax`, {
      token,
      body: {
        EventVenue: venue,
        EventStart: start,
        EventExamType: 'Class',
        EventExamFormat: 'Paper',
        EventBillingCode: 'FEE',
        Learner: learner,
        Assessment: 'CHEM',
      },
    });
    expect(response.status).toBeLessThan(300);
    // The API never returns a passcode; the registration's first event records it.
    const [requested] = await app.app.get<EventStore>(EVENT_STORE).readStream(`registration-${registration}`);
    return { registration, passcode: requested.data.Passcode as string };
  }

  it('prints one page per active registration, by learner name whatever its case, with title, start, name, code, notice and passcode', async () => {
    const eventId = await scheduleEvent();
    const zed = await register('Zed Zimmer', 'Z-26');
    const ada = await register('ada Lovelace', 'A-01');
    const cancelled = await register('Bob Cancelled', 'B-02');
    await app.request('POST', `/api/registrations/${cancelled.registration}/commands/cancel`, { token, body: {} });
    await register('Elsewhere Person', 'E-05', `${YEAR}-06-11T09:00:00-07:00`);

    const response = await fetchPdf(eventId);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/pdf');
    const pages = await pdfPages(response);
    expect(pages).toHaveLength(2);
    const [first, second] = pages;
    for (const text of ['Scrap Paper', 'North Hall / Chemistry', START, 'ada Lovelace', 'A-01', RETURN_NOTICE, ada.passcode]) {
      expect(first).toContain(text);
    }
    for (const text of ['Scrap Paper', 'Zed Zimmer', 'Z-26', RETURN_NOTICE, zed.passcode]) {
      expect(second).toContain(text);
    }
    expect(pages.join('\n')).not.toContain(cancelled.passcode);
    expect(pages.join('\n')).not.toContain('Elsewhere Person');
  });

  it('prints a name and code beyond Latin-1 as the learner was registered with', async () => {
    const start = `${YEAR}-06-14T09:00:00-07:00`;
    const eventId = await scheduleEvent(start);
    const learner = await register('Łukasz Żółw 山田太郎', 'Ж-07', start);
    const pages = await pdfPages(await fetchPdf(eventId));
    expect(pages).toHaveLength(1);
    for (const text of ['Łukasz Żółw 山田太郎', 'Ж-07', learner.passcode]) expect(pages[0]).toContain(text);
  });

  it('prints a single page saying so for an event without active registrations', async () => {
    const eventId = await scheduleEvent(`${YEAR}-06-12T09:00:00-07:00`);
    const response = await fetchPdf(eventId.toUpperCase());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/pdf');
    const pages = await pdfPages(response);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain('Scrap Paper');
    expect(pages[0]).toContain('has no active registrations');
  });

  it('answers 404 for a missing event and for another organization’s; 400 for a bad id; 401 without a token, 403 without booking:read', async () => {
    const eventId = await scheduleEvent(`${YEAR}-06-13T09:00:00-07:00`);
    for (const [id, who] of [
      [newId(), token],
      [eventId, await app.token(newId())],
    ]) {
      const response = await app.request('GET', `/api/events/scrap-paper?id=${id}`, { token: who });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.detail).toBe(`Exam event not found: ${id}`);
    }
    expect((await app.request('GET', '/api/events/scrap-paper?id=nope', { token })).status).toBe(400);
    expect((await fetchPdf(eventId, null)).status).toBe(401);
    expect((await fetchPdf(eventId, await app.token(org, ['booking:write']))).status).toBe(403);
  });
});
