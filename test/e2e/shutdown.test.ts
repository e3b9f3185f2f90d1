import { describe, expect, it } from '@jest/globals';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { API_NODE_FLAGS } from '../../bench/server.js';
import { signToken } from '../../libs/application/src/auth/tokens.js';
import { newId, TEST_SECRET } from '../support/test-app.js';

const MAIN = resolve('dist/apps/api/src/main.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** The built server, as `npm start` runs it (npm test builds first). */
async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...API_NODE_FLAGS, MAIN], {
    env: { ...process.env, BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    const up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (up) return child;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`server did not start: ${stderr}`);
}

const exited = (child: ChildProcess) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));

(existsSync(MAIN) ? describe : describe.skip)('graceful shutdown of the built server', () => {
  it('loses no acknowledged command across a SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'booking-shutdown-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const token = await signToken(TEST_SECRET, { organization: newId(), actor: 'tester', scopes: ['catalog:write', 'booking:read'] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    let server = await startServer(dataDir, port);
    try {
      const acknowledged: Array<{ id: string; name: string }> = [];
      let sent = 0;
      let terminated = false;
      const put = async (worker: number) => {
        for (let i = 0; i < 40; i++) {
          const id = newId();
          const name = `Hall ${worker}-${i}`;
          sent++;
          if (sent === 60) {
            server.kill('SIGTERM');
            terminated = true;
          }
          const response = await fetch(`${base}/api/venues/${id}`, { method: 'PUT', headers, body: JSON.stringify({ Name: name }) }).catch(() => null);
          if (response && response.status >= 200 && response.status < 300) acknowledged.push({ id, name });
          if (response === null && terminated) return; // the server is gone
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, worker) => put(worker)));
      await exited(server);
      expect(terminated).toBe(true);
      expect(acknowledged.length).toBeGreaterThan(0);

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
});
