import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/api/src/app.factory.js';
import { signToken } from '../../libs/application/src/auth/tokens.js';
import { loadConfig } from '../../libs/application/src/config/app-config.js';
import { newId, TEST_SECRET, TestApp } from '../support/test-app.js';

describe('structured logs of the real app', () => {
  const lines: string[] = [];
  let app: NestFastifyApplication;
  let baseUrl: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'booking-logs-'));
    const config = loadConfig({ BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'trace' });
    app = await createApp(config, { logDestination: { write: (line: string) => void lines.push(line) } });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs one JSON line per request with request id, organization and actor, and never the token or the learner', async () => {
    const org = newId();
    const learner = newId();
    const email = 'grace.hopper@example.org';
    const token = await signToken(TEST_SECRET, { organization: org, actor: 'registrar-7', scopes: ['catalog:write', 'booking:read'] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': 'trace-put-1' };
    const put = await fetch(`${baseUrl}/api/learners/${learner}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ Name: 'Grace Hopper', Email: email }),
    });
    expect(put.status).toBe(201);
    const invalid = await fetch(`${baseUrl}/api/learners/${learner}?Email=${encodeURIComponent(email)}`, {
      method: 'PUT',
      headers: { ...headers, 'x-request-id': 'trace-put-2' },
      body: JSON.stringify({ Email: email }),
    });
    expect(invalid.status).toBe(400);

    const entries = lines.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    const completed = (id: string) => entries.find((e) => e.reqId === id && e.msg === 'request completed');
    expect(completed('trace-put-1')).toMatchObject({
      level: 30,
      organization: org,
      actor: 'registrar-7',
      method: 'PUT',
      route: '/api/learners/:learner',
      path: `/api/learners/${learner}`,
      statusCode: 201,
    });
    expect(completed('trace-put-2')).toMatchObject({ level: 40, statusCode: 400, path: `/api/learners/${learner}` });
    const all = lines.join('');
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.split('.')[1]);
    expect(all).not.toContain(email);
    expect(all).not.toContain(encodeURIComponent(email));
    expect(all).not.toContain('Grace Hopper');
  });

  it('writes no organization or actor for a request without a verified token', async () => {
    const answer = await fetch(`${baseUrl}/api/learners/${newId()}`, { headers: { 'x-request-id': 'trace-anonymous-1' } });
    expect(answer.status).toBe(401);
    const entries = lines.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    const completed = entries.find((e) => e.reqId === 'trace-anonymous-1' && e.msg === 'request completed');
    expect(completed).toMatchObject({ level: 40, statusCode: 401, route: '/api/learners/:learner' });
    expect(Object.keys(completed)).not.toContain('organization');
    expect(Object.keys(completed)).not.toContain('actor');
  });
});

describe('the request log of an API replica whose read models no projector has made yet (BOOKING_RUN_PROJECTOR=false)', () => {
  it('writes a 5xx answer at error level, as docs/operations.md ("Logs") says, with its request id and status', async () => {
    const app = await TestApp.start({ BOOKING_RUN_PROJECTOR: 'false' });
    try {
      const read = await app.request('GET', '/api/venues', { token: await app.token(newId()), headers: { 'x-request-id': 'trace-503' } });
      expect(read.status).toBe(503);
      const entries = app.recentLogs().join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
      expect(entries.find((e) => e.reqId === 'trace-503' && e.msg === 'request completed')).toMatchObject({ level: 50, statusCode: 503, route: '/api/venues' });
    } finally {
      await app.close();
    }
  });
});
