import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../../libs/application/src/auth/tokens.js';
import { exited, freePort, isBuilt, startServer } from '../support/built-server.js';
import { newId, TEST_SECRET } from '../support/test-app.js';

(isBuilt() ? describe : describe.skip)('graceful shutdown of the built server', () => {
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
