import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApp } from '../support/test-app.js';
import { defineTenant, listEvents, registerBody, registered, retrieve, SLOT_DATE, type Tenant } from '../support/registration-fixtures.js';

/**
 * Spec §1: an exam event's times, wherever they appear, are shown in its venue's local offset;
 * §5: venue data in registration rows follow catalog changes. So a venue given another time zone
 * shows the same instants in the new offset everywhere, while `asOf` shows them as they were.
 */
describe('a venue’s new time zone over HTTP on the embedded stores', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  async function moveToNewYork(tenant: Tenant): Promise<void> {
    const moved = await app.request('PUT', `/api/venues/${tenant.venue}`, { token: tenant.token, body: { Name: 'North Hall', TimeZone: 'America/New_York' } });
    expect(moved.status).toBe(200);
  }

  /** The same instant written at another offset: `2031-03-03T08:01:00-08:00` at -05:00 is 11:01. */
  const inNewYork = (vancouver: string) => {
    const [hour, rest] = [Number(vancouver.slice(11, 13)), vancouver.slice(13, 19)];
    return `${vancouver.slice(0, 11)}${String(hour + 3).padStart(2, '0')}${rest}-05:00`;
  };

  it('shows the events’ times in the new offset in retrieve, search, list-events and classes, and as they were with asOf', async () => {
    const tenant = await defineTenant(app);
    const { registration, event, response } = await registered(app, tenant);
    expect(response.status).toBe(201);
    const scheduled = (await retrieve(app, tenant, registration)).body.EventStart as string;
    expect(scheduled).toMatch(/-08:00$/);
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));

    await moveToNewYork(tenant);

    const shown = inNewYork(scheduled);
    expect((await retrieve(app, tenant, registration)).body).toMatchObject({ EventStart: shown, EventScheduledStart: shown });
    const rows = (await app.request('POST', '/api/registrations/search', { token: tenant.token, body: { Take: 1000 } })).body as any[];
    expect(rows.find((row) => row.RegistrationIdentifier === registration)).toMatchObject({ EventScheduledStart: shown });
    const listed = (await listEvents(app, tenant, SLOT_DATE)).find((e) => e.EventIdentifier === event);
    expect(listed.EventStart).toBe(shown);
    // Exam Fee (2h): the end two hours later, in the same offset.
    expect(listed.EventEnd).toMatch(/-05:00$/);
    expect(Date.parse(listed.EventEnd) - Date.parse(shown)).toBe(2 * 60 * 60 * 1000);
    const classes = (await app.request('GET', `/api/events/classes?organization=${tenant.org}`)).body as any[];
    expect(classes.find((c) => c.Identifier === event)).toMatchObject({ Start: shown });

    const asOf = await app.request('GET', `/api/registrations/${registration}?asOf=${encodeURIComponent(before)}`, { token: tenant.token });
    expect(asOf.body).toMatchObject({ EventStart: scheduled, EventScheduledStart: scheduled });
  });

  it('shows a registration made after the change in the venue’s new offset, whatever offset the request used', async () => {
    const tenant = await defineTenant(app);
    await moveToNewYork(tenant);
    const body = registerBody(tenant);
    const { registration } = await registered(app, tenant, { EventStart: body.EventStart });
    expect((await retrieve(app, tenant, registration)).body.EventStart).toBe(inNewYork(body.EventStart));
  });
});
