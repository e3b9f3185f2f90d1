import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { command, defineTenant, expectStatusIn, type Tenant } from './registration-fixtures.js';
import { newId, TestApp } from './test-app.js';

describe('what an unexpected status tells the one reading the failure', () => {
  let app: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    app = await TestApp.start();
    tenant = await defineTenant(app);
  });
  afterAll(() => app.close());

  it('passes an allowed status quietly', async () => {
    const response = await app.request('GET', '/health');
    await expect(expectStatusIn(app, response, [200])).resolves.toBeUndefined();
  });

  it("fails with the whole answer, readiness right after it and the service's last warnings", async () => {
    const registration = newId();
    const response = await command(app, tenant, registration, 'cancel', { Reason: 'never registered' });
    expect(response.status).toBe(404);

    const failure = expectStatusIn(app, response, [200]);
    await expect(failure).rejects.toThrow(`got 404: ${response.text}`);
    await expect(failure).rejects.toThrow(/Readiness then: 200 \{"status":"ok"/);
    // The service logged the 404 at warn, on a line naming the command's route.
    await expect(failure).rejects.toThrow(/last warnings and errors:\n\{"level":40,.*"route":"\/api\/registrations\/:registration\/commands\/cancel".*"statusCode":404/);
  });

  it("keeps only the service's last hundred warnings and errors", async () => {
    for (let i = 0; i < 105; i++) await app.request('POST', '/api/registrations/count');
    const logs = app.recentLogs();
    expect(logs).toHaveLength(100);
    expect(logs.every((line) => JSON.parse(line).level >= 40)).toBe(true);
  });
});
