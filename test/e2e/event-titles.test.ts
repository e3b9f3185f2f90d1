import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PDFParse } from 'pdf-parse';
import { newId, TestApp } from '../support/test-app.js';
import { defineTenant, FORM_TIME_LIMIT, listEvents, nextSlot, registered, retrieve, SLOT_DATE, type Tenant } from '../support/registration-fixtures.js';

/**
 * Spec §3: an event's title is "<venue name> / …" after the forms attached to it; §5: venue and
 * form data in registration rows follow catalog changes, and event data (title, start) always shows
 * the event's current values. So a venue renamed, or a form retitled, retitles its events
 * everywhere they show, while `asOf` shows the titles as they were.
 */
describe('exam event titles over HTTP on the embedded stores, after catalog changes', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  async function put(tenant: Tenant, path: string, body: object): Promise<void> {
    expect((await app.request('PUT', path, { token: tenant.token, body })).status).toBe(200);
  }

  async function scrapPaperText(tenant: Tenant, event: string): Promise<string> {
    const response = await fetch(`${app.baseUrl}/api/events/scrap-paper?id=${event}`, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(response.status).toBe(200);
    const parser = new PDFParse({ data: new Uint8Array(await response.arrayBuffer()) });
    try {
      return (await parser.getText()).text;
    } finally {
      await parser.destroy();
    }
  }

  it('shows a renamed venue and a retitled form in the titles of list-events, classes, search, retrieve, scrap paper and cancel, and the old ones with asOf', async () => {
    const tenant = await defineTenant(app);
    // One form (Chemistry), several (Chemistry then Physics at the same start), none (scheduled directly).
    const one = await registered(app, tenant);
    const start = nextSlot();
    const several = await registered(app, tenant, { EventStart: start });
    await registered(app, tenant, { EventStart: start, Learner: tenant.otherLearner, Assessment: 'phys-100' });
    const none = newId();
    const scheduled = await app.request('POST', `/api/events/${none}`, {
      token: tenant.token,
      body: { EventVenue: tenant.venue, EventStart: nextSlot(), EventExamType: 'Class', EventExamFormat: 'Paper', EventBillingCode: 'Exam Fee (2h)' },
    });
    expect(scheduled.status).toBe(201);

    const titles = async () => {
      const listed = await listEvents(app, tenant, SLOT_DATE.slice(0, 7));
      const classes = (await app.request('GET', `/api/events/classes?organization=${tenant.org}`)).body as any[];
      const rows = (await app.request('POST', '/api/registrations/search', { token: tenant.token, body: { Take: 1000 } })).body as any[];
      return Object.fromEntries(
        Object.entries({ one: one.event, several: several.event, none }).map(([name, event]) => [
          name,
          [
            ...new Set([
              listed.find((e) => e.EventIdentifier === event).EventTitle,
              classes.find((c) => c.Identifier === event).Title,
              ...rows.filter((row) => row.EventIdentifier === event).map((row) => row.EventTitle),
            ]),
          ],
        ]),
      );
    };
    expect(await titles()).toEqual({ one: ['North Hall / Chemistry'], several: ['North Hall / Various'], none: ['North Hall / No Exam'] });
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));

    await put(tenant, `/api/venues/${tenant.venue}`, { Name: 'South Hall', TimeZone: 'America/Vancouver' });
    await put(tenant, `/api/assessment-forms/${tenant.chemistry}`, {
      Code: 'CHEM-110', Name: 'Chemistry final', Title: 'Chemistry II', Status: 'Published', Asset: 1, TimeLimit: FORM_TIME_LIMIT,
    });

    expect(await titles()).toEqual({ one: ['South Hall / Chemistry II'], several: ['South Hall / Various'], none: ['South Hall / No Exam'] });
    expect((await retrieve(app, tenant, one.registration)).body).toMatchObject({ EventTitle: 'South Hall / Chemistry II', AssessmentFormTitle: 'Chemistry II' });
    expect(await scrapPaperText(tenant, one.event)).toContain('South Hall / Chemistry II');
    const cancelled = await app.request('POST', `/api/events/${none}/cancel`, { token: tenant.token, body: {} });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ EventTitle: 'South Hall / No Exam', EventStatus: 'Cancelled' });

    const asOf = (at: string) => app.request('GET', `/api/registrations/${one.registration}?asOf=${encodeURIComponent(at)}`, { token: tenant.token });
    expect((await asOf(before)).body).toMatchObject({ EventTitle: 'North Hall / Chemistry', AssessmentFormTitle: 'Chemistry' });
    expect((await asOf(new Date().toISOString())).body).toMatchObject({ EventTitle: 'South Hall / Chemistry II' });
  });

  it('titles an event scheduled after a rename with the new name, and a form without a title by its name', async () => {
    const tenant = await defineTenant(app);
    await put(tenant, `/api/venues/${tenant.venue}`, { Name: 'West Wing', TimeZone: 'America/Vancouver' });
    await put(tenant, `/api/assessment-forms/${tenant.chemistry}`, { Code: 'CHEM-110', Name: 'Chemistry final', Title: null, Status: 'Published', Asset: 1 });
    const { registration } = await registered(app, tenant);
    // A form without a title shows its name.
    expect((await retrieve(app, tenant, registration)).body.EventTitle).toBe('West Wing / Chemistry final');
  });
});
