import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { newId, TestApp } from '../support/test-app.js';

describe('security headers and CORS by default', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('sets security headers on answers and on problems', async () => {
    const token = await app.token(newId());
    for (const response of [await app.request('GET', '/api/venues', { token }), await app.request('GET', `/api/venues/${newId()}`, { token })]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('answers bytes after a body that ended at its Content-Length only after that request’s own answer', async () => {
    // The PUT is read whole and carried out; what follows it on the connection is not HTTP. The
    // first answer the client reads must be the PUT's, not a 400 it would take for the PUT's.
    const token = await app.token(newId());
    const venue = newId();
    const body = JSON.stringify({ Name: 'North Hall' });
    const { port } = new URL(app.baseUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(
          `PUT /api/venues/${venue} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}not a request\r\n\r\n`,
        ),
      );
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 201 Created\r\n/);
    const second = answer.indexOf('HTTP/1.1 400 Bad Request\r\n');
    expect(second).toBeGreaterThan(0);
    expect(answer.slice(second)).toMatch(/\r\nContent-Type: application\/problem\+json[^]*"detail":"The request is not valid HTTP"/);
    expect((await app.request('GET', `/api/venues/${venue}`, { token })).body).toMatchObject({ Name: 'North Hall' });
  });

  it('sends no CORS headers when no origin is configured', async () => {
    const response = await app.request('GET', '/health', { headers: { origin: 'https://evil.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('configured CORS origins', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ CORS_ORIGINS: 'https://app.example.org' });
  });
  afterAll(() => app.close());

  it('allows exactly the configured origins, preflight included', async () => {
    const allowed = await app.request('OPTIONS', '/api/venues', {
      headers: { origin: 'https://app.example.org', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
    const other = await app.request('GET', '/health', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a browser send every method the API serves: the catalog PUTs and the DELETE of a registration', async () => {
    for (const [method, path] of [['PUT', `/api/venues/${newId()}`], ['DELETE', `/api/registrations/${newId()}`], ['POST', '/api/registrations/search']]) {
      const preflight = await app.request('OPTIONS', path, {
        headers: { origin: 'https://app.example.org', 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
      });
      const allowed = (preflight.headers.get('access-control-allow-methods') ?? '').toUpperCase().split(/\s*,\s*/);
      expect(allowed).toContain(method);
    }
  });

  it('lets a browser read the headers the API answers with: the request id, Retry-After and search’s X-Total-Count', async () => {
    const token = await app.token(newId());
    const search = await app.request('POST', '/api/registrations/search', { token, body: {}, headers: { origin: 'https://app.example.org' } });
    expect(search.status).toBe(200);
    expect(search.headers.get('x-total-count')).toBe('0');
    const exposed = (search.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'retry-after', 'x-total-count']));
  });
});

describe('rate limiting (RATE_LIMIT_PER_MINUTE=3)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => app.close());

  it('answers 429 problem+json with Retry-After once a token spent its budget, stores nothing, and keeps other callers apart', async () => {
    const org = newId();
    const token = await app.token(org, undefined, 'busy');
    const venue = newId();
    for (let i = 0; i < 3; i++) expect((await app.request('GET', '/api/venues', { token })).status).toBe(200);
    const limited = await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'Too late' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(limited.body).toMatchObject({ status: 429, title: 'Too Many Requests', detail: 'Too many requests: slow down and retry after the time in Retry-After' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const colleague = await app.token(org, undefined, 'calm');
    expect((await app.request('GET', `/api/venues/${venue}`, { token: colleague })).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await app.request('GET', '/health')).status).toBe(200);
  });
});

describe('request timeout (REQUEST_TIMEOUT_MS=300)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ REQUEST_TIMEOUT_MS: '300' });
  });
  afterAll(() => app.close());

  it('answers a request the HTTP parser cannot read with a problem and an X-Request-Id', async () => {
    const { port } = new URL(app.baseUrl);
    const answer = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nNot a header\r\n\r\n'));
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(/\r\nContent-Type: application\/problem\+json/);
    expect(head).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}(\r\n|$)/);
    expect(JSON.parse(body)).toEqual({ type: 'https://httpstatuses.io/400', title: 'Bad Request', status: 400, detail: 'The request is not valid HTTP' });
  });

  it('drops a client that stalls in the middle of its request', async () => {
    const { port } = new URL(app.baseUrl);
    const started = Date.now();
    const closed = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('PUT /api/venues/x HTTP/1.1\r\nHost: localhost\r\n'));
      socket.on('close', () => resolve(Date.now() - started));
      socket.on('error', () => undefined);
      setTimeout(() => reject(new Error('connection still open after 5 s')), 5000).unref();
    });
    expect(closed).toBeGreaterThanOrEqual(250);
    expect(closed).toBeLessThan(5000);
  });
});
