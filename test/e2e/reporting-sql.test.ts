import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newId, TestApp } from '../support/test-app.js';
import { command, defineTenant, registered, retrieve, type Tenant } from '../support/registration-fixtures.js';

/** The SQL blocks of docs/read-models.md's reports section, by the comment on their first line. */
function documentedReports(): Map<string, string> {
  const doc = readFileSync(new URL('../../docs/read-models.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Reports from the embedded read store'));
  const reports = new Map<string, string>();
  for (const [, sql] of section.matchAll(/```sql\n([\s\S]*?)```/g)) {
    reports.set(sql.split('\n')[0].replace(/^-- /, ''), sql);
  }
  return reports;
}

describe('the reports docs/read-models.md gives, run on the read store beside the API', () => {
  const reports = documentedReports();
  let app: TestApp;
  let tenant: Tenant;
  let db: Database.Database;
  let firstEvent: string;

  beforeAll(async () => {
    app = await TestApp.start();
    tenant = await defineTenant(app);
    const { token } = tenant;
    await app.request('PUT', `/api/venues/${tenant.venue}`, {
      token,
      body: { Name: 'North Hall', TimeZone: 'America/Vancouver', Address: { City: 'Victoria' } },
    });
    await app.request('PUT', `/api/venues/${newId()}`, { token, body: { Name: 'South Hall', TimeZone: 'America/Vancouver' } });
    const start = '2031-03-10T09:00:00-07:00';
    const ada = await registered(app, tenant, { EventStart: start, Accommodations: [{ Type: 'Reader', TimeExtension: 15 }] });
    firstEvent = ada.event;
    await command(app, tenant, ada.registration, 'grant-accommodation', { Type: 'Scribe', TimeExtension: 10 });
    await registered(app, tenant, { EventStart: start, Learner: tenant.otherLearner, Assessment: 'PHYS-100' });
    const cancelled = await registered(app, tenant, { EventStart: '2031-03-11T09:00:00-07:00', Accommodations: [{ Type: 'Reader', TimeExtension: 5 }] });
    await command(app, tenant, cancelled.registration, 'cancel', {});
    // Another organization's rows are in the same file; the reports filter them out.
    const other = await defineTenant(app);
    await registered(app, other, { EventStart: start });
    // A read through the API waits for the projector to have applied the organization's writes.
    expect((await retrieve(app, tenant, cancelled.registration)).body.RegistrationStatus).toBe('Cancelled');
    db = new Database(join(app.config.dataDir, 'read.sqlite'), { readonly: true });
  });
  afterAll(async () => {
    db.close();
    await app.close();
  });

  const run = (name: string, params: Record<string, string>) => {
    const sql = reports.get(name);
    expect(sql).toBeDefined();
    return db.prepare(sql!).all({ org: tenant.org, ...params });
  };

  it('finds the four reports in the document', () => {
    expect([...reports.keys()]).toEqual([
      'events of a period, with their fill',
      'the roster of one event',
      'accommodations held by active registrations, by type',
      "scheduled events per venue, with the venue's city",
    ]);
  });

  it('lists the events of a period with their active registrations', () => {
    expect(run('events of a period, with their fill', { from: '2031-03-01T00:00:00.000Z', to: '2031-04-01T00:00:00.000Z' })).toEqual([
      { number: 1, title: 'North Hall / Various', start_utc: '2031-03-10T16:00:00.000Z', time_zone: 'America/Vancouver', status: 'Scheduled', active: 2, seats: null },
      { number: 2, title: 'North Hall / Chemistry', start_utc: '2031-03-11T16:00:00.000Z', time_zone: 'America/Vancouver', status: 'Scheduled', active: 0, seats: null },
    ]);
    expect(run('events of a period, with their fill', { from: '2031-03-11T00:00:00.000Z', to: '2031-03-12T00:00:00.000Z' })).toHaveLength(1);
  });

  it('gives an event’s roster: active registrations only, by learner name, with each exam time limit', () => {
    expect(run('the roster of one event', { event: firstEvent })).toEqual([
      { learner: 'Ada Lovelace', code: 'P-1', email: 'ada@example.org', form: 'CHEM-110', minutes: 115 },
      { learner: 'Alan Turing', code: 'P-2', email: 'alan@example.org', form: 'PHYS-100', minutes: 60 },
    ]);
  });

  it('counts the accommodations of active registrations by type', () => {
    expect(run('accommodations held by active registrations, by type', {})).toEqual([
      { accommodation: 'Reader', registrations: 1, extra_minutes: 15 },
      { accommodation: 'Scribe', registrations: 1, extra_minutes: 10 },
    ]);
  });

  it('counts scheduled events and their registrations per venue, venues without events included', () => {
    expect(run("scheduled events per venue, with the venue's city", {})).toEqual([
      { venue: 'North Hall', city: 'Victoria', events: 2, active: 2 },
      { venue: 'South Hall', city: null, events: 0, active: 0 },
    ]);
  });
});
