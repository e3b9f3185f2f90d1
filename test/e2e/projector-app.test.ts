import { describe, expect, it } from '@jest/globals';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { exitCode, exited, freePort, isBuilt, spawnServer, startServer } from '../support/built-server.js';
import { newId, TEST_SECRET, TestApp } from '../support/test-app.js';

const PROJECTOR = resolve('dist/apps/projector/src/main.js');
const PROJECTED_ELSEWHERE = /^Another process is projecting into the read store in .+ \(BOOKING_DATA_DIR\): an API with BOOKING_RUN_PROJECTOR=true or a projector app\./;

/** The built projector app, as docs/operations.md runs it (npm test builds first); `stdout()` is what it wrote there so far. */
async function startProjector(dataDir: string): Promise<{ child: ChildProcess; stdout: () => string }> {
  const child = spawn(process.execPath, [PROJECTOR], {
    env: { ...process.env, BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  await new Promise<void>((caughtUp, failed) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Caught up')) caughtUp();
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => failed(new Error(`projector exited with ${String(code)} before catching up: ${output}`)));
  });
  return { child, stdout: () => stdout };
}

/** How it ended: its exit code, or the signal it ended by. */
const ending = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.exitCode !== null || child.signalCode !== null
      ? done({ code: child.exitCode, signal: child.signalCode })
      : child.once('exit', (code, signal) => done({ code, signal })),
  );

(existsSync(PROJECTOR) ? describe : describe.skip)('the projector app beside an API that does not project (BOOKING_RUN_PROJECTOR=false)', () => {
  it('keeps following the embedded event log after catching up, so commands answer, logs JSON lines, and stops on SIGTERM by it', async () => {
    const app = await TestApp.start({ BOOKING_RUN_PROJECTOR: 'false' });
    const { child: projector, stdout } = await startProjector(app.config.dataDir);
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
      expect(await ending(projector)).toEqual({ code: null, signal: 'SIGTERM' });
      const lines = stdout().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((line) => [line.service, line.level, line.msg])).toEqual([
        ['booking-projector', 30, 'Caught up with an empty event log; following the event log'],
        ['booking-projector', 30, 'SIGTERM: finishing the current batch'],
        ['booking-projector', 30, 'Stopped'],
      ]);
    } finally {
      projector.kill('SIGKILL');
      await app.close();
    }
  });

  it('refuses, in one line, to project into a read store an API projects into, and an API refuses one the app projects into', async () => {
    if (!isBuilt()) return;
    const app = await TestApp.start({ BOOKING_RUN_PROJECTOR: 'false' });
    const dataDir = app.config.dataDir;
    try {
      // The app first: the built API (its own projector on, the default) refuses to start.
      const { child: projector } = await startProjector(dataDir);
      const api = spawnServer(dataDir, await freePort());
      expect(await exitCode(api.child)).toBe(1);
      expect(api.stderr().trim()).toMatch(PROJECTED_ELSEWHERE);
      projector.kill('SIGTERM');
      await ending(projector);

      // The API first: the app refuses.
      const server = await startServer(dataDir, await freePort());
      try {
        const refused = spawn(process.execPath, [PROJECTOR], { env: { ...process.env, BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET }, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        refused.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        // 'close': its stderr read to the end as well.
        const closed = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => refused.once('close', (code, signal) => done({ code, signal })));
        expect(closed).toEqual({ code: 1, signal: null });
        expect(stderr.trim()).toMatch(PROJECTED_ELSEWHERE);
      } finally {
        server.kill('SIGTERM');
        await exited(server);
      }
    } finally {
      await app.close();
    }
  }, 60_000);
});
