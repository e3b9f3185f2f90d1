import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { newId, TestApp } from '../support/test-app.js';
import { UNSTORABLE_TEXT } from '../../apps/api/src/http/json-bodies.js';

/** Writes `request` on a new connection; resolves with all the server sent until it closed it. */
function exchange(app: TestApp, request: string): Promise<string> {
  const { port } = new URL(app.baseUrl);
  return new Promise<string>((resolve, reject) => {
    let received = '';
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** The status line, the headers (names in lower case) and the JSON body of one raw answer. */
function parsed(answer: string): { statusLine: string; headers: Map<string, string>; body: any } {
  const [head, body] = answer.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { statusLine, headers, body: body ? JSON.parse(body) : undefined };
}

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
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security')).toBe('max-age=15552000; includeSubDomains');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(response.headers.get('x-dns-prefetch-control')).toBe('off');
    }
  });

  it('keeps a sane X-Request-Id from the caller, and answers a hostile or overlong one with an id of its own', async () => {
    const sane = 'trace-1.2:3_' + 'x'.repeat(116);
    expect((await app.request('GET', '/health', { headers: { 'x-request-id': sane } })).headers.get('x-request-id')).toBe(sane);
    // Echoed, these would reach the caller and every log line as sent (docs/operations.md, "Logs": a sane id only).
    for (const hostile of ['x'.repeat(129), 'x'.repeat(4_000), '<script>alert(1)</script>', 'a b', 'id"},{"level":60']) {
      const answer = await app.request('GET', '/health', { headers: { 'x-request-id': hostile } });
      expect([hostile.slice(0, 40), answer.status, answer.headers.get('x-request-id')]).toEqual([hostile.slice(0, 40), 200, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    }
  });

  it('answers bytes after a body that ended at its Content-Length only after that request’s own answer', async () => {
    // The PUT is read whole and carried out; what follows it on the connection is not HTTP. The
    // first answer the client reads must be the PUT's, not a 400 it would take for the PUT's.
    const token = await app.token(newId());
    const venue = newId();
    const body = JSON.stringify({ Name: 'North Hall' });
    const answer = await exchange(
      app,
      `PUT /api/venues/${venue} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}not a request\r\n\r\n`,
    );
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

describe('requests refused before they are read', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  const venueName = async (token: string, venue: string) => (await app.request('GET', `/api/venues/${venue}`, { token })).body.Name;

  it('takes JSON in UTF-8 only: bytes that are not UTF-8 are a 400, another charset a 415, and nothing is stored', async () => {
    const token = await app.token(newId());
    const [latin1, declared, utf8] = [newId(), newId(), newId()];
    const notUtf8 = await app.request('PUT', `/api/venues/${latin1}`, {
      token,
      rawBody: new Uint8Array(Buffer.from('{"Name":"Caf\xe9"}', 'latin1')),
      headers: { 'content-type': 'application/json' },
    });
    expect([notUtf8.status, notUtf8.body.detail]).toEqual([400, 'Request body is not valid UTF-8']);
    const otherCharset = await app.request('PUT', `/api/venues/${declared}`, { token, body: { Name: 'Café' }, headers: { 'content-type': 'application/json; charset=latin1' } });
    expect([otherCharset.status, otherCharset.body.detail]).toEqual([415, 'Request body must be JSON in UTF-8 (no other charset)']);
    for (const venue of [latin1, declared]) expect((await app.request('GET', `/api/venues/${venue}`, { token })).status).toBe(404);
    const named = await app.request('PUT', `/api/venues/${utf8}`, { token, body: { Name: 'Café' }, headers: { 'content-type': 'application/json; charset="UTF-8"' } });
    expect(named.status).toBe(201);
    expect(await venueName(token, utf8)).toBe('Café');
  });

  it('refuses a body in a content coding with a 415 (a gzip body was "not valid JSON", an unknown coding ignored)', async () => {
    const token = await app.token(newId());
    const venue = newId();
    for (const [coding, rawBody] of [
      ['gzip', new Uint8Array(gzipSync(JSON.stringify({ Name: 'North Hall' })))],
      ['x-unknown', JSON.stringify({ Name: 'North Hall' })],
    ] as const) {
      const answer = await app.request('PUT', `/api/venues/${venue}`, { token, rawBody, headers: { 'content-type': 'application/json', 'content-encoding': coding } });
      expect([coding, answer.status, answer.body.detail]).toEqual([coding, 415, 'Request body must not be compressed: Content-Encoding is not supported']);
    }
    expect((await app.request('GET', `/api/venues/${venue}`, { token })).status).toBe(404);
  });

  it('refuses a body of more than 2,000 values with a 400, unknown properties counted (validation visits them all)', async () => {
    const token = await app.token(newId());
    const wide = await app.request('POST', '/api/registrations/count', { token, rawBody: `{"Name":"zz","X":[${'{},'.repeat(5_000)}{}]}`, headers: { 'content-type': 'application/json' } });
    expect([wide.status, wide.body.detail]).toEqual([400, 'Request body holds more than 2000 values']);
  });

  it('refuses text with a NUL or an unpaired surrogate with a 400 and stores nothing (SQLite kept U+FFFD for the surrogate)', async () => {
    const token = await app.token(newId());
    const venue = newId();
    for (const name of ['North\\u0000Hall', 'North Hall \\ud83d']) {
      const answer = await app.request('PUT', `/api/venues/${venue}`, { token, rawBody: `{"Name":"${name}"}`, headers: { 'content-type': 'application/json' } });
      expect([name, answer.status, answer.body.detail]).toEqual([name, 400, UNSTORABLE_TEXT]);
    }
    expect((await app.request('GET', `/api/venues/${venue}`, { token })).status).toBe(404);
    const paired = await app.request('PUT', `/api/venues/${venue}`, { token, rawBody: '{"Name":"North Hall \\ud83d\\ude00"}', headers: { 'content-type': 'application/json' } });
    expect(paired.status).toBe(201);
    expect(await venueName(token, venue)).toBe('North Hall 😀');
  });

  it('answers 401 to a request without a valid token before reading its body, whatever the body', async () => {
    const venue = newId();
    for (const rawBody of ['{{{', JSON.stringify({ Name: 'x'.repeat(2 * 1024 * 1024) })]) {
      const answer = await app.request('PUT', `/api/venues/${venue}`, { rawBody, headers: { 'content-type': 'application/json' } });
      expect([answer.status, answer.body.detail]).toEqual([401, 'Missing bearer token']);
    }
  });

  it('refuses two Authorization lines (Node kept the first, a proxy may read the last), two Host lines, and HTTP/1.1 without Host', async () => {
    const [a, b] = [await app.token(newId()), await app.token(newId())];
    const cases = [
      [`GET /api/venues HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${a}\r\nAuthorization: Bearer ${b}\r\nConnection: close\r\n\r\n`, 'Send one Authorization header, not several'],
      ['GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n', 'Send one Host header, not several'],
      ['GET /health HTTP/1.1\r\nConnection: close\r\n\r\n', 'A Host header is required'],
    ];
    for (const [request, detail] of cases) {
      const { statusLine, headers, body } = parsed(await exchange(app, request));
      expect([statusLine, headers.get('content-type'), body.detail]).toEqual(['HTTP/1.1 400 Bad Request', 'application/problem+json; charset=utf-8', detail]);
      expect(headers.get('x-request-id')).toBeTruthy();
    }
    // HTTP/1.0 had no Host: old health probes still send such requests.
    expect(parsed(await exchange(app, 'GET /health HTTP/1.0\r\n\r\n')).statusLine).toBe('HTTP/1.1 200 OK');
  });

  it('handles pipelined requests one after another: a GET sent right behind a PUT reads what the PUT stored', async () => {
    // RFC 9112 §9.3.2: only safe requests may be handled in parallel. Node hands pipelined
    // requests over at once, and the GET answered 404 in 30 rounds of 30.
    const token = await app.token(newId());
    const body = JSON.stringify({ Name: 'Pipelined Hall' });
    const put = (venue: string, type = 'application/json') =>
      `PUT /api/venues/${venue} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    for (let round = 0; round < 5; round++) {
      const [first, second] = [newId(), newId()];
      const answer = await exchange(
        app,
        put(first) + put(newId(), 'text/plain') + put(second) + `GET /api/venues/${second} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
      expect([...answer.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => Number(m[1]))).toEqual([201, 415, 201, 200]);
      expect(answer).toMatch(/"Name":"Pipelined Hall"/);
    }
  });

  it('answers an Expect other than 100-continue with a 417 problem, as every other answer', async () => {
    const { statusLine, headers, body } = parsed(await exchange(app, 'GET /health HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n'));
    expect([statusLine, headers.get('content-type'), body.detail]).toEqual(['HTTP/1.1 417 Expectation Failed', 'application/problem+json; charset=utf-8', 'Only "Expect: 100-continue" is supported']);
    expect([headers.get('x-request-id'), headers.get('x-content-type-options')]).toEqual([expect.any(String), 'nosniff']);
  });

  it('does not echo the query string of an unknown URL (a token sent in it would land in client and proxy logs)', async () => {
    const answer = await app.request('GET', '/api/nothing-here?access_token=SECRET123');
    expect([answer.status, answer.body.detail]).toEqual([404, 'Cannot GET /api/nothing-here']);
    expect(answer.text).not.toContain('SECRET123');
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
    // The same sub in another organization is another caller (every token without --sub is `cli`).
    const namesake = await app.token(newId(), undefined, 'busy');
    expect((await app.request('GET', '/api/venues', { token: namesake })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await app.request('GET', '/health')).status).toBe(200);
  });

  it('limits the API docs per client address like the other anonymous routes', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.request('GET', '/api/docs-json')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('request timeout (REQUEST_TIMEOUT_MS=300)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ REQUEST_TIMEOUT_MS: '300' });
  });
  afterAll(() => app.close());

  it('answers a request the HTTP parser cannot read with a problem, an X-Request-Id and the security headers', async () => {
    const { statusLine, headers, body } = parsed(await exchange(app, 'GET /health HTTP/1.1\r\nHost: localhost\r\nNot a header\r\n\r\n'));
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect([headers.get('x-content-type-options'), headers.get('cache-control')]).toEqual(['nosniff', 'no-store']);
    expect(body).toEqual({ type: 'https://httpstatuses.io/400', title: 'Bad Request', status: 400, detail: 'The request is not valid HTTP' });
  });

  it('answers a method it does not know, and CONNECT, with a 501 problem (Node gave a 400, and no answer at all to CONNECT)', async () => {
    const cases = [
      ['FOO /health HTTP/1.1\r\nHost: localhost\r\n\r\n', 'The request method is not supported'],
      ['CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n', 'CONNECT is not supported: this server is not a proxy'],
    ];
    for (const [request, detail] of cases) {
      const { statusLine, headers, body } = parsed(await exchange(app, request));
      expect([statusLine, headers.get('connection'), body]).toEqual([
        'HTTP/1.1 501 Not Implemented',
        'close',
        { type: 'https://httpstatuses.io/501', title: 'Not Implemented', status: 501, detail },
      ]);
      expect([headers.get('x-request-id'), headers.get('x-content-type-options')]).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), 'nosniff']);
    }
    // Bytes that are no request line (a TLS handshake sent to the plain port) stay a 400.
    const tls = parsed(await exchange(app, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'));
    expect([tls.statusLine, tls.body.detail]).toEqual(['HTTP/1.1 400 Bad Request', 'The request is not valid HTTP']);
  });

  it('refuses a transfer coding other than chunked with a 501, closes the connection and stores nothing', async () => {
    const token = await app.token(newId());
    const venue = newId();
    const chunk = gzipSync(JSON.stringify({ Name: 'North Hall' })).toString('latin1');
    const request =
      `PUT /api/venues/${venue} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
      `Transfer-Encoding: gzip, chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`;
    const { statusLine, headers, body } = parsed(await exchange(app, request));
    expect([statusLine, headers.get('connection'), body.detail]).toEqual(['HTTP/1.1 501 Not Implemented', 'close', 'Transfer-Encoding other than chunked is not supported']);
    expect((await app.request('GET', `/api/venues/${venue}`, { token })).status).toBe(404);
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
