import { describe, expect, it } from '@jest/globals';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { exitCode, exited, freePort, spawnServer, startServer } from '../support/built-server.js';
import { newId, TEST_SECRET, TestApp } from '../support/test-app.js';

const PROJECTOR = resolve('dist/apps/projector/src/main.js');
const PROJECTED_ELSEWHERE = /^Another process is projecting into the read store in .+ \(BOOKING_DATA_DIR\): an API with BOOKING_RUN_PROJECTOR=true or a projector app\./;

interface ProjectorProcess {
  child: ChildProcess;
  /** What it wrote so far. */
  stdout(): string;
  stderr(): string;
  /** How it ended (its exit code, or the signal it ended by), once its output is read to the end. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The built projector app, as docs/operations.md runs it (npm test builds first). */
function spawnProjector(dataDir: string): ProjectorProcess {
  const child = spawn(process.execPath, [PROJECTOR], {
    env: { ...process.env, BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('close', (code, signal) => done({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, ended };
}

/** The projector app, once it says it has caught up. */
async function startProjector(dataDir: string): Promise<ProjectorProcess> {
  const projector = spawnProjector(dataDir);
  await new Promise<void>((caughtUp, failed) => {
    projector.child.stdout?.on('data', () => projector.stdout().includes('Caught up') && caughtUp());
    projector.child.once('exit', (code) => failed(new Error(`projector exited with ${String(code)} before catching up: ${projector.stdout()}${projector.stderr()}`)));
  });
  return projector;
}

// Built by npm test, with the API's main: a run of this file alone without a build skips it.
(existsSync(PROJECTOR) ? describe : describe.skip)('the projector app beside an API that does not project (BOOKING_RUN_PROJECTOR=false)', () => {
  it('keeps following the embedded event log after catching up, so commands answer, logs JSON lines, and stops on SIGTERM by it', async () => {
    const app = await TestApp.start({ BOOKING_RUN_PROJECTOR: 'false' });
    const { child: projector, stdout, ended } = await startProjector(app.config.dataDir);
    try {
      const token = await app.token(newId());
      const venue = newId();
      // The API answers only once the projector app has applied the command's events (read-your-writes).
      const put = await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'North Hall' } });
      expect(put.status).toBe(201);
      expect((await app.request('GET', `/api/venues/${venue}`, { token })).body).toMatchObject({ Name: 'North Hall' });
      expect(projector.exitCode).toBeNull();
      projector.kill('SIGTERM');
      // As the API: the stores closed, then the signal's own exit (143 in a shell), a clean stop.
      expect(await ended).toEqual({ code: null, signal: 'SIGTERM' });
      const lines = stdout().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((line) => [line.service, line.level, line.msg])).toEqual([
        ['booking-projector', 30, 'Caught up with an empty event log; following the event log'],
        ['booking-projector', 30, 'SIGTERM: finishing the current batch'],
        ['booking-projector', 30, 'SIGTERM: stopped; the stores are closed'],
      ]);
    } finally {
      projector.kill('SIGKILL');
      await app.close();
    }
  });

  it('refuses, in one line, to project into a read store an API projects into, and an API refuses one the app projects into', async () => {
    const app = await TestApp.start({ BOOKING_RUN_PROJECTOR: 'false' });
    const dataDir = app.config.dataDir;
    try {
      // The app first: the built API (its own projector on, the default) refuses to start.
      const projector = await startProjector(dataDir);
      const api = spawnServer(dataDir, await freePort());
      expect(await exitCode(api.child)).toBe(1);
      expect(api.stderr().trim()).toMatch(PROJECTED_ELSEWHERE);
      projector.child.kill('SIGTERM');
      await projector.ended;

      // The API first: the app refuses.
      const server = await startServer(dataDir, await freePort());
      try {
        const refused = spawnProjector(dataDir);
        expect(await refused.ended).toEqual({ code: 1, signal: null });
        expect(refused.stderr().trim()).toMatch(PROJECTED_ELSEWHERE);
      } finally {
        server.kill('SIGTERM');
        await exited(server);
      }
    } finally {
      await app.close();
    }
  }, 60_000);
});
