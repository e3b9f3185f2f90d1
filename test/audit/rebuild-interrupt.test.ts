import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectionsRebuildCommand } from '../../apps/cli/src/commands/projections.command.js';
import { cli } from '../support/cli.js';

const CLI = new URL('../../dist/apps/cli/src/main.js', import.meta.url).pathname;
const SEED = new URL('../../dist/scripts/seed.js', import.meta.url).pathname;
/** What the CLI says once its signal handlers are in place. */
const BEGUN = 'from the log (Ctrl-C stops it';

/**
 * The built CLI on `folder`, sent `signal` once it says it has begun. A rebuild of 10,000
 * registrations takes about a second here, several batches of the log: the signal arrives well
 * before its end. (A second signal, which stops at once, is tested in interrupt.spec.ts: from
 * outside it would race the first one's clean stop.)
 */
async function rebuildStopped(folder: string, argv: string[], signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'projections', 'rebuild', ...argv], { env: { ...process.env, BOOKING_DATA_DIR: folder }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
    if (sent || !stderr.includes(BEGUN)) return;
    sent = true;
    child.kill(signal);
  });
  // 'close', not 'exit': stderr is read to its end.
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  return { code, stderr };
}

function verify(folder: string): string {
  return execFileSync(process.execPath, [CLI, 'projections', 'rebuild', '--verify'], { env: { ...process.env, BOOKING_DATA_DIR: folder }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** An operator's Ctrl-C (or a supervisor's SIGTERM) during `projections rebuild` leaves the data folder as it was. */
describe('projections rebuild stopped by a signal', () => {
  let seeded: string;
  let folder: string;

  beforeAll(() => {
    seeded = mkdtempSync(join(tmpdir(), 'rebuild-interrupt-'));
    execFileSync(process.execPath, [SEED, '--registrations', '10000', '--data-dir', seeded], { stdio: 'ignore' });
  });
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'rebuild-interrupt-copy-'));
    cpSync(seeded, folder, { recursive: true });
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));
  afterAll(() => rmSync(seeded, { recursive: true, force: true }));

  it('Ctrl-C stops a rebuild before it switches over, removes what it built, and exits 130', async () => {
    const { code, stderr } = await rebuildStopped(folder, [], 'SIGINT');
    expect(stderr).toContain('Interrupted (SIGINT): the rebuild stopped before switching over and was removed; the live read models are unchanged');
    expect(code).toBe(130);
    // No new generation, no partition file: the live store is still the file the seed made.
    expect(readdirSync(folder).filter((name) => name.startsWith('read.') && !name.endsWith('-wal') && !name.endsWith('-shm'))).toEqual(['read.sqlite']);
    expect(lstatSync(join(folder, 'read.sqlite')).isSymbolicLink()).toBe(false);
    expect(verify(folder)).toContain('Verified: the rebuilt read models equal the live ones');
  });

  it('handles the signals from before the new generation exists until it is removed again (no moment a signal kills the CLI with it behind)', async () => {
    const saved = { ...process.env };
    process.env.BOOKING_DATA_DIR = folder;
    const generations = () => readdirSync(folder).filter((name) => name.startsWith('read.gen-'));
    // What the folder holds when the CLI takes its SIGINT handler, and when it hands it back.
    const seen: Array<[string, string[]]> = [];
    const on = process.on.bind(process);
    const off = process.off.bind(process);
    jest.spyOn(process, 'on').mockImplementation((event: string | symbol, listener: (...args: unknown[]) => void) => {
      if (event === 'SIGINT') seen.push(['on', generations()]);
      return on(event, listener);
    });
    jest.spyOn(process, 'off').mockImplementation((event: string | symbol, listener: (...args: unknown[]) => void) => {
      if (event === 'SIGINT') seen.push(['off', generations()]);
      return off(event, listener);
    });
    try {
      const { output, exitCode } = await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--verify']);
      expect([output, exitCode]).toEqual([expect.stringContaining('Verified'), 0]);
    } finally {
      jest.restoreAllMocks();
      process.env = saved;
    }
    expect(seen).toEqual([
      ['on', []],
      ['off', []],
    ]);
  });

  it('SIGTERM stops a verification and removes its rebuild, with exit code 143', async () => {
    const { code, stderr } = await rebuildStopped(folder, ['--verify'], 'SIGTERM');
    expect(stderr).toContain('Interrupted (SIGTERM): the verification stopped and its rebuild was removed');
    expect(code).toBe(143);
    expect(readdirSync(folder).filter((name) => name.startsWith('read.') && !name.endsWith('-wal') && !name.endsWith('-shm'))).toEqual(['read.sqlite']);
  });

  it('leaves its new generation when killed (SIGKILL, as out of memory), and the next rebuild removes it first and says so', async () => {
    const { code } = await rebuildStopped(folder, [], 'SIGKILL');
    expect(code).toBeNull();
    const built = () => readdirSync(folder).filter((name) => name.startsWith('read.gen-') && !name.endsWith('-wal') && !name.endsWith('-shm'));
    expect(built()).toEqual(expect.arrayContaining(['read.gen-1.sqlite', 'read.gen-1.sqlite.building']));
    const next = spawnSync(process.execPath, [CLI, 'projections', 'rebuild'], { env: { ...process.env, BOOKING_DATA_DIR: folder }, encoding: 'utf8' });
    expect(next.stderr).toContain('Removed read.gen-1.sqlite and the files beside it, left by a projections rebuild that did not finish');
    expect(next.status).toBe(0);
    // The generation it published took the freed number; nothing of the killed one is left.
    expect(built()).toEqual(['read.gen-1.sqlite']);
    expect(lstatSync(join(folder, 'read.sqlite')).isSymbolicLink()).toBe(true);
    expect(verify(folder)).toContain('Verified: the rebuilt read models equal the live ones');
  });
});
