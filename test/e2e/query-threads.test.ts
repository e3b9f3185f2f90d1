import { afterEach, describe, expect, it } from '@jest/globals';
import { READ_STORE } from '../../apps/api/src/infrastructure/tokens.js';
import type { QueryThreads } from '../../libs/read-model/src/query-threads.js';
import { SqliteQueryStore } from '../../libs/read-model/src/sqlite-query-store.js';
import { ThreadedQueryStore } from '../../libs/read-model/src/threaded-query-store.js';
import { TestApp } from '../support/test-app.js';
import { defineTenant, registered } from '../support/registration-fixtures.js';

/** BOOKING_QUERY_THREADS: searches and counts answered on the event loop (default) or in threads. */
describe.each([
  ['in two query threads (BOOKING_QUERY_THREADS=2)', { BOOKING_QUERY_THREADS: '2' }, ThreadedQueryStore],
  ['on the event loop (the default)', {}, SqliteQueryStore],
])('searches and counts %s', (_, env, storeClass) => {
  let app: TestApp | undefined;
  afterEach(() => app?.close());

  it('answer what the last command did, and refuse bad criteria with a 400', async () => {
    app = await TestApp.start(env);
    expect(app.app.get(READ_STORE)).toBeInstanceOf(storeClass);
    const tenant = await defineTenant(app);
    const { registration } = await registered(app, tenant);
    const search = (body: object) => app!.request('POST', '/api/registrations/search', { token: tenant.token, body });
    const found = await search({ Name: 'lovelace' });
    expect(found.body.map((row: { RegistrationIdentifier: string }) => row.RegistrationIdentifier)).toEqual([registration]);
    expect(found.headers.get('x-total-count')).toBe('1');
    expect((await app.request('POST', '/api/registrations/count', { token: tenant.token, body: { Name: 'nobody' } })).body).toBe(0);
    expect((await search({ Skip: -1 })).status).toBe(400);
    expect((await search({ Name: 42 })).status).toBe(400);
  });
});

describe('query threads in an API that only takes commands', () => {
  let app: TestApp | undefined;
  afterEach(() => app?.close());

  it('start none: the command path looks forms up on the event loop', async () => {
    app = await TestApp.start({ BOOKING_QUERY_THREADS: '2' });
    const tenant = await defineTenant(app);
    await registered(app, tenant);
    await registered(app, tenant, { Assessment: 'PHYS-100' });
    const store = app.app.get<ThreadedQueryStore>(READ_STORE);
    expect((store as unknown as { threads: QueryThreads }).threads.running).toBe(0);
    await app.request('POST', '/api/registrations/count', { token: tenant.token, body: {} });
    expect((store as unknown as { threads: QueryThreads }).threads.running).toBe(1);
  });
});
