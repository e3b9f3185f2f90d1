import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApp } from '../support/test-app.js';
import { command, defineTenant, registered, type Tenant } from '../support/registration-fixtures.js';

/** Spec §5: a 2xx from a command is visible to the very next search and count, without waiting. */
describe('registration search and count see every command at once (read-your-writes)', () => {
  let app: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    app = await TestApp.start();
    tenant = await defineTenant(app);
  });
  afterAll(() => app.close());

  const search = (body: object = {}) => app.request('POST', '/api/registrations/search', { token: tenant.token, body });
  const count = async (body: object = {}) => (await app.request('POST', '/api/registrations/count', { token: tenant.token, body })).body;

  it('shows register-lax, learner renames, cancel and delete on the next request', async () => {
    const { registration } = await registered(app, tenant);
    const first = await search({ Name: 'lovelace' });
    expect(first.body[0]).toMatchObject({
      RegistrationIdentifier: registration,
      RegistrationStatus: 'Registered',
      LearnerName: 'Ada Lovelace',
      AssessmentFormCode: 'CHEM-110',
    });
    expect(first.headers.get('x-total-count')).toBe('1');
    expect(await count()).toBe(1);

    // Catalog changes reach the rows (and the text index) before the PUT answers.
    const renamed = await app.request('PUT', `/api/learners/${tenant.learner}`, {
      token: tenant.token,
      body: { Name: 'Augusta King', Email: 'augusta@example.org', Code: 'P-1' },
    });
    expect(renamed.status).toBe(200);
    expect(await count({ Name: 'lovelace' })).toBe(0);
    expect((await search({ Name: 'augusta king' })).body.map((row: { RegistrationIdentifier: string }) => row.RegistrationIdentifier)).toEqual([
      registration,
    ]);

    expect((await command(app, tenant, registration, 'cancel', { Reason: 'ill' })).status).toBe(200);
    expect((await search()).body[0]).toMatchObject({
      RegistrationIdentifier: registration,
      RegistrationStatus: 'Cancelled',
      LastChangeType: 'RegistrationCancelled',
    });
    expect(await count()).toBe(1);

    const deleted = await app.request('DELETE', `/api/registrations/${registration}`, { token: tenant.token });
    expect(deleted.status).toBeLessThan(300);
    expect((await search()).body).toEqual([]);
    expect(await count()).toBe(0);
  });

  it('moves a changed registration to the top of the newest-first order', async () => {
    const older = await registered(app, tenant);
    const newer = await registered(app, tenant);
    const ids = async () => (await search()).body.map((row: { RegistrationIdentifier: string }) => row.RegistrationIdentifier);
    expect(await ids()).toEqual([newer.registration, older.registration]);
    expect((await command(app, tenant, older.registration, 'cancel', {})).status).toBe(200);
    expect(await ids()).toEqual([older.registration, newer.registration]);
  });
});
