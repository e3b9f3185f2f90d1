/**
 * What an operator gets wrong at start, said in one line and refused at once (docs/operations.md):
 * a second API on a data folder, a folder it cannot use, a port in use, a read store from another
 * log, a damaged store. And a slow client is dropped at REQUEST_TIMEOUT_MS, not up to 30 s later.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, realpathSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signToken } from '../../libs/application/src/auth/tokens.js';
import { exitCode, exited, freePort, isBuilt, spawnServer, startServer } from '../support/built-server.js';
import { newId, TEST_SECRET } from '../support/test-app.js';

const folders: string[] = [];
function dataFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'booking-start-'));
  folders.push(folder);
  return folder;
}

/** A data folder the server started on and then stopped (SIGTERM), and the port it used. */
async function folderOfAStoppedServer(): Promise<{ dataDir: string; port: number }> {
  const dataDir = dataFolder();
  const port = await freePort();
  const server = await startServer(dataDir, port);
  server.kill('SIGTERM');
  await exited(server);
  return { dataDir, port };
}

/** Starts the server expecting it to refuse: its exit code, what it said, and the error lines of its JSON log. */
async function refusedStart(dataDir: string, port: number, env: NodeJS.ProcessEnv = {}) {
  const server = spawnServer(dataDir, port, { LOG_LEVEL: 'info', ...env });
  const code = await exitCode(server.child);
  const logged = server.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string });
  return { code, stderr: server.stderr().trim(), errorLines: logged.filter((line) => line.level >= 50).map((line) => line.msg) };
}

(isBuilt() ? describe : describe.skip)('refused starts of the built server', () => {
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it('refuses a second API on a data folder while the first serves, and starts once the first has stopped', async () => {
    const dataDir = dataFolder();
    const first = await startServer(dataDir, await freePort());
    try {
      const second = await refusedStart(dataDir, await freePort());
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/^Another API process is using the data folder .*booking-start-/);
    } finally {
      first.kill('SIGKILL');
      await exited(first);
    }
    // Killed, it holds nothing: the OS dropped its lock.
    const port = await freePort();
    const next = await startServer(dataDir, port);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    next.kill('SIGTERM');
    await exited(next);
  }, 60_000);

  it('says in one line that the data folder cannot be used, or that the port is taken', async () => {
    const file = join(dataFolder(), 'a-file');
    writeFileSync(file, '');
    const underFile = await refusedStart(join(file, 'data'), await freePort());
    expect(underFile).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Invalid configuration: BOOKING_DATA_DIR is .*a-file\/data, where this process cannot create and write files \(ENOTDIR\)$/) });

    const dataDir = dataFolder();
    const port = await freePort();
    const first = await startServer(dataDir, port);
    try {
      const taken = await refusedStart(dataFolder(), port);
      const said = `Invalid configuration: PORT is ${port}, which another process is listening on`;
      expect(taken).toEqual({ code: 1, stderr: said, errorLines: [expect.stringContaining('EADDRINUSE')] });
    } finally {
      first.kill('SIGTERM');
      await exited(first);
    }
  }, 60_000);

  it('refuses a read store that has applied events the log does not hold (a restored log beside a newer read store)', async () => {
    const dataDir = dataFolder();
    const port = await freePort();
    const server = await startServer(dataDir, port);
    const token = await signToken(TEST_SECRET, { organization: newId(), actor: 'tester', scopes: ['catalog:write'] });
    const put = await fetch(`http://127.0.0.1:${port}/api/learners/${newId()}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Name: 'Ada' }),
    });
    expect(put.status).toBe(201);
    server.kill('SIGTERM');
    await exited(server);
    // The log as it was before that learner: empty.
    for (const file of ['events.sqlite', 'events.sqlite-wal', 'events.sqlite-shm']) rmSync(join(dataDir, file), { force: true });
    const refused = await refusedStart(dataDir, port);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^The read store is ahead of the event log: projection \w+ has applied events up to position \d+, but the log is empty\./);
    expect(refused.stderr).not.toContain('    at ');
    expect(refused.errorLines).toEqual([`ReadStoreAheadOfLogError: ${refused.stderr}`]);
  }, 60_000);

  it('says how to repair a damaged read store, in one line instead of a stack', async () => {
    const { dataDir, port } = await folderOfAStoppedServer();
    // Cut short, as a full disk or a bad copy leaves it: SQLite calls it malformed.
    const file = realpathSync(join(dataDir, 'read.sqlite'));
    truncateSync(file, statSync(file).size / 2);
    const refused = await refusedStart(dataDir, port);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `The read store ${file} is damaged (SQLITE_CORRUPT: database disk image is malformed). The read models are rebuilt from the log: stop the API, ` +
        'delete read.sqlite* and read.gen-* in its data folder (never events.sqlite*) and start it again (docs/operations.md, "A damaged read store").',
    );
    // Said in the JSON log too, where an operator collecting logs looks first.
    expect(refused.errorLines).toEqual([`DamagedReadStoreError: ${refused.stderr}`]);
  }, 60_000);

  it('says that a damaged event store must be restored from a backup, in one line instead of a stack', async () => {
    const { dataDir, port } = await folderOfAStoppedServer();
    // Overwritten, as a bad copy or a failing disk leaves it: SQLite no longer calls it a database.
    const file = join(dataDir, 'events.sqlite');
    writeFileSync(file, 'not a database, only text that fills a page or so '.repeat(100));
    const refused = await refusedStart(dataDir, port);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `The event store ${file} is damaged (SQLITE_NOTADB: file is not a database). It is the service's record and cannot be rebuilt: ` +
        'stop the API, put its latest backup in place and check it with `audit verify` (docs/operations.md, "Backups of the embedded store").',
    );
    expect(refused.errorLines).toEqual([`DamagedEventStoreError: ${refused.stderr}`]);
  }, 60_000);

  it('drops a client that trickles its body past REQUEST_TIMEOUT_MS with a 408, within about the limit', async () => {
    const port = await freePort();
    const server = await startServer(dataFolder(), port, { REQUEST_TIMEOUT_MS: '1500' });
    // With a valid token: a request without one is answered 401 before its body is read.
    const token = await signToken(TEST_SECRET, { organization: newId(), actor: 'tester', scopes: ['catalog:write'] });
    try {
      const answer = await new Promise<{ status: string; afterMs: number }>((done) => {
        const began = Date.now();
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            `PUT /api/venues/${newId()} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n`,
          );
          const trickle = setInterval(() => socket.write(' '), 200);
          socket.once('data', (chunk) => {
            clearInterval(trickle);
            socket.destroy();
            done({ status: chunk.toString().split('\r\n')[0], afterMs: Date.now() - began });
          });
        });
      });
      expect(answer.status).toBe('HTTP/1.1 408 Request Timeout');
      // Node checked every 30 s before: 30 s or more past the limit. Now every second.
      expect(answer.afterMs).toBeLessThan(10_000);
    } finally {
      server.kill('SIGTERM');
      await exited(server);
    }
  }, 60_000);
});
