import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../../libs/application/src/auth/tokens.js';
import { exited, freePort, isBuilt, spawnServer, startServer } from '../support/built-server.js';
import { newId, TEST_SECRET } from '../support/test-app.js';

(isBuilt() ? describe : describe.skip)('graceful shutdown of the built server', () => {
  it('loses no acknowledged command across a SIGTERM, answers the requests that arrive while it closes, and stops soon after', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'booking-shutdown-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const token = await signToken(TEST_SECRET, { organization: newId(), actor: 'tester', scopes: ['catalog:write', 'booking:read'] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    let server = await startServer(dataDir, port);
    try {
      const acknowledged: Array<{ id: string; name: string }> = [];
      const refused: Array<{ status: number; type: string | null; requestId: string | null }> = [];
      let sent = 0;
      let terminated = false;
      let terminatedAt = 0;
      const put = async (worker: number) => {
        for (let i = 0; i < 40; i++) {
          const id = newId();
          const name = `Hall ${worker}-${i}`;
          sent++;
          if (sent === 60) {
            server.kill('SIGTERM');
            terminated = true;
            terminatedAt = Date.now();
          }
          const response = await fetch(`${base}/api/venues/${id}`, { method: 'PUT', headers, body: JSON.stringify({ Name: name }) }).catch(() => null);
          if (response && response.status >= 200 && response.status < 300) acknowledged.push({ id, name });
          else if (response) refused.push({ status: response.status, type: response.headers.get('content-type'), requestId: response.headers.get('x-request-id') });
          if (response === null && terminated) return; // the server is gone
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, worker) => put(worker)));
      await exited(server);
      expect(terminated).toBe(true);
      // Within the usual grace of 30 s: the connections busy at the signal are closed once idle,
      // not left to the keep-alive timeout (72 s), which held the process that long.
      expect(Date.now() - terminatedAt).toBeLessThan(20_000);
      expect(acknowledged.length).toBeGreaterThan(0);
      // A request that reached the server while it closed was answered like any other (Fastify's
      // own bare 503, with no request id and not problem+json, answered those on kept-alive connections).
      expect(refused).toEqual([]);

      server = await startServer(dataDir, port);
      for (const { id, name } of acknowledged) {
        const read = await fetch(`${base}/api/venues/${id}`, { headers });
        expect({ id, status: read.status }).toEqual({ id, status: 200 });
        expect(((await read.json()) as { Name: string }).Name).toBe(name);
      }
    } finally {
      server.kill('SIGTERM');
      await exited(server);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('answers a request that arrives on a busy kept-alive connection while it closes like any other, not with a bare 503', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'booking-shutdown-'));
    const port = await freePort();
    const token = await signToken(TEST_SECRET, { organization: newId(), actor: 'tester', scopes: ['catalog:write'] });
    const server = await startServer(dataDir, port);
    try {
      const body = JSON.stringify({ Name: 'North Hall' });
      const put = (id: string, contentLength: number) =>
        `PUT /api/venues/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`;
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      const closed = new Promise((done) => socket.on('close', done));
      await new Promise((done) => socket.once('connect', done));
      // The first request's body is still coming when the signal arrives, so the connection is
      // busy, not idle, when the server starts closing; the second is queued behind it.
      socket.write(put(newId(), body.length) + body.slice(0, 5));
      await new Promise((done) => setTimeout(done, 200));
      server.kill('SIGTERM');
      await new Promise((done) => setTimeout(done, 500));
      socket.write(body.slice(5) + put(newId(), body.length) + body);
      await closed;
      const answers = received.split(/(?=HTTP\/1\.1 )/);
      expect(answers.map((answer) => answer.split('\r\n')[0])).toEqual(['HTTP/1.1 201 Created', 'HTTP/1.1 201 Created']);
      expect(answers[1]).toMatch(/\r\nx-request-id: /i);
      expect(answers[1]).toMatch(/\r\nconnection: close\r\n/i);
      await exited(server);
    } finally {
      server.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('logs that it is stopping, then that it stopped with the stores closed, and exits by the signal', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'booking-shutdown-'));
    const port = await freePort();
    const server = spawnServer(dataDir, port, { LOG_LEVEL: 'info' });
    try {
      const up = () => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      for (let attempt = 0; !(await up()); attempt++) {
        if (attempt === 200) throw new Error(`the server did not start: ${server.stderr()}`);
        await new Promise((done) => setTimeout(done, 100));
      }
      server.child.kill('SIGTERM');
      await exited(server.child);
      expect(server.child.signalCode).toBe('SIGTERM');
      const messages = server.stdout().trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages.slice(-2)).toEqual([
        'SIGTERM: finishing the requests in flight, then stopping the projector and closing the stores',
        'SIGTERM: stopped; the projector and the stores are closed',
      ]);
    } finally {
      server.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
