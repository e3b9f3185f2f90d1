import { describe, expect, it } from '@jest/globals';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { newId, TEST_SECRET, TestApp } from '../support/test-app.js';

const PROJECTOR = resolve('dist/apps/projector/src/main.js');

/** The built projector app, as docs/operations.md runs it (npm test builds first). */
async function startProjector(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [PROJECTOR], {
    env: { ...process.env, BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((caughtUp, failed) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Caught up')) caughtUp();
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => failed(new Error(`projector exited with ${String(code)} before catching up: ${output}`)));
  });
  return child;
}

const exitCode = (child: ChildProcess) =>
  new Promise<number | null>((done) => (child.exitCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code))));

(existsSync(PROJECTOR) ? describe : describe.skip)('the projector app beside an API that does not project (BOOKING_RUN_PROJECTOR=false)', () => {
  it('keeps following the embedded event log after catching up, so commands answer, and stops on SIGTERM', async () => {
    const app = await TestApp.start({ BOOKING_RUN_PROJECTOR: 'false' });
    const projector = await startProjector(app.config.dataDir);
    try {
      const token = await app.token(newId());
      const venue = newId();
      // The API answers only once the projector app has applied the command's events (read-your-writes).
      const put = await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'North Hall' } });
      expect(put.status).toBe(201);
      expect((await app.request('GET', `/api/venues/${venue}`, { token })).body).toMatchObject({ Name: 'North Hall' });
      expect(projector.exitCode).toBeNull();
      projector.kill('SIGTERM');
      expect(await exitCode(projector)).toBe(0);
    } finally {
      projector.kill('SIGKILL');
      await app.close();
    }
  });
});
