/**
 * The auditor's case, with the CLI as an operator runs it (the build; `npm test` builds first): a
 * copy of the data folder, maybe write-protected, maybe without the token secret. The store
 * commands read it without writing to it, and a folder without a store is refused, not created.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFile, type ExecFileOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventHash, HashChainedEventStore } from '../../libs/event-store/src/hash-chain.js';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite-event-store.js';

const CLI = new URL('../../dist/apps/cli/src/main.js', import.meta.url).pathname;
const ORG = '6f1c2b1e-0000-4000-8000-000000000001';

/** Root writes through any mode bits; the write-protected cases then run the CLI as `nobody`. */
const OTHER_USER: ExecFileOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

async function runCli(dataDir: string, argv: string[], options: ExecFileOptions = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, BOOKING_DATA_DIR: dataDir };
  for (const name of ['EVENTSTORE_URL', 'MONGODB_URL', 'BOOKING_JWT_SECRET']) delete env[name];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...argv], { env, encoding: 'utf8', ...options });
    return { code: 0, stdout: String(stdout), stderr: String(stderr) };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: String(failed.stdout), stderr: String(failed.stderr) };
  }
}

/** As root, the write-protected cases need a checkout that `nobody` can read; they are skipped otherwise. */
const asReader = (await runCli(tmpdir(), ['--help'], OTHER_USER)).code === 0 ? it : it.skip;

let folder: string;
beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'auditor-copy-'));
  chmodSync(folder, 0o755);
  const store = new HashChainedEventStore(new SqliteEventStore(join(folder, 'events.sqlite')));
  const metadata = { organization: ORG, actor: 'alice', occurredAt: '2026-11-29T10:00:00.000Z', correlationId: 'r1', causationId: 'r1', schemaVersion: 1 };
  await store.append('venue-1', [{ type: 'VenueDefined', data: { Name: 'North Hall' }, metadata }], 'no_stream');
  await store.append('venue-1', [{ type: 'VenueDefined', data: { Name: 'South Hall' }, metadata }], 0n);
  // Closing the last connection checkpoints and removes the -wal and -shm files: a cold copy.
  await store.close();
});
afterEach(() => {
  chmodSync(folder, 0o755);
  rmSync(folder, { recursive: true, force: true });
});

describe('the CLI on an auditor’s copy of the data folder', () => {
  it.each([[['audit', 'verify']], [['events', 'export']], [['projections', 'rebuild']], [['projections', 'rebuild', '--verify']]])(
    '%j refuses a folder without an event store, says so without a stack trace, and creates nothing',
    async (argv) => {
      const missing = join(folder, 'mistyped');
      const { code, stdout, stderr } = await runCli(missing, argv);
      expect(code).toBe(1);
      expect(stderr).toBe(`No event store at ${missing}/events.sqlite: BOOKING_DATA_DIR names the API's data folder (default ./data)\n`);
      expect(stdout).toBe('');
      expect(existsSync(missing)).toBe(false);
    },
  );

  it.each([[['audit', 'verify']], [['events', 'export']]])('%j says a damaged log is damaged and must be restored, without a stack trace', async (argv) => {
    // Overwritten, as a bad copy or a failing disk leaves it: SQLite no longer calls it a database.
    const file = join(folder, 'events.sqlite');
    writeFileSync(file, 'not a database, only text that fills a page or so '.repeat(100));
    const { code, stdout, stderr } = await runCli(folder, argv);
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toBe(
      `The event store ${file} is damaged (SQLITE_NOTADB: file is not a database). It is the service's record and cannot be rebuilt: ` +
        'stop the API, put its latest backup in place and check it with `audit verify` (docs/operations.md, "Backups of the embedded store").\n',
    );
  });

  it('projections rebuild --verify refuses a copy without a read store (everything was "missing from live", and the file created)', async () => {
    const { code, stdout, stderr } = await runCli(folder, ['projections', 'rebuild', '--verify']);
    expect([code, stdout, stderr]).toEqual([1, '', `No read store at ${folder}/read.sqlite to verify against (the API creates it at its first start)\n`]);
    expect(readdirSync(folder)).toEqual(['events.sqlite']);
  });

  it('events export stops quietly when its reader does (`| head`), instead of EPIPE stacks and exit code 1', async () => {
    const store = new HashChainedEventStore(new SqliteEventStore(join(folder, 'events.sqlite')));
    const metadata = { organization: ORG, actor: 'alice', occurredAt: '2026-11-29T10:00:00.000Z', correlationId: 'r2', causationId: 'r2', schemaVersion: 1 };
    const many = Array.from({ length: 5_000 }, (_, n) => ({ type: 'LearnerDefined', data: { Name: `Learner ${n}`.padEnd(200, '.') }, metadata }));
    await store.append('learner-1', many, 'no_stream');
    await store.close();
    const env = { ...process.env, BOOKING_DATA_DIR: folder };
    const child = spawn(process.execPath, [CLI, 'events', 'export'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    // The first chunk read, the reader goes away, as `head -1` does.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    const [code] = (await once(child, 'close')) as [number];
    expect([code, stderr]).toEqual([0, '']);
  });

  it('audit verify and events export need no token secret, and leave none behind', async () => {
    const verify = await runCli(folder, ['audit', 'verify']);
    expect(verify.stdout).toContain('OK: 2 events in 1 streams, every hash chain holds');
    expect(verify.code).toBe(0);
    const exported = await runCli(folder, ['events', 'export', '--org', ORG]);
    expect(exported.stdout.trimEnd().split('\n').map((line) => JSON.parse(line).Data.Name)).toEqual(['North Hall', 'South Hall']);
    expect(readdirSync(folder)).not.toContain('jwt-secret');
  });

  it('events export writes the events exactly as stored, not upcast: v1 keeps its shape and version, and each hash re-checks from the file alone', async () => {
    const exported = await runCli(folder, ['events', 'export']);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.Data, line.Metadata.schemaVersion])).toEqual([[{ Name: 'North Hall' }, 1], [{ Name: 'South Hall' }, 1]]);
    let previous: string | null = null;
    for (const line of lines) {
      const content = { streamId: line.StreamId, revision: BigInt(line.Revision), type: line.Type, data: line.Data, metadata: line.Metadata };
      expect(line.Metadata.hash).toBe(eventHash(previous, content));
      previous = line.Metadata.hash;
    }
  });

  asReader('reads a write-protected copy that holds the store’s -wal and -shm files (empty ones will do)', async () => {
    writeFileSync(join(folder, 'events.sqlite-wal'), '');
    writeFileSync(join(folder, 'events.sqlite-shm'), '');
    for (const name of readdirSync(folder)) chmodSync(join(folder, name), 0o444);
    chmodSync(folder, 0o555);
    const { code, stdout, stderr } = await runCli(folder, ['audit', 'verify'], OTHER_USER);
    expect(stderr).toBe('');
    expect(stdout).toContain('OK: 2 events in 1 streams, every hash chain holds');
    expect(code).toBe(0);
  });

  asReader('says what to do with a write-protected copy without them, instead of a stack trace', async () => {
    chmodSync(join(folder, 'events.sqlite'), 0o444);
    chmodSync(folder, 0o555);
    const { code, stdout, stderr } = await runCli(folder, ['events', 'export'], OTHER_USER);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      `Cannot read ${folder}/events.sqlite: its folder is write-protected and SQLite needs events.sqlite-wal and events.sqlite-shm beside it to read a WAL store. Copy the folder somewhere writable, or add those two files to the copy (empty ones will do)`,
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
