/**
 * The CLI as an operator runs it (the build, `npm test` builds first): a mistyped or unknown
 * option is refused before anything runs, instead of being ignored.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const CLI = new URL('../../dist/apps/cli/src/main.js', import.meta.url).pathname;

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cli-options-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // The embedded stores in this test's folder.
  const env: NodeJS.ProcessEnv = { ...process.env, BOOKING_DATA_DIR: dataDir };
  delete env.EVENTSTORE_URL;
  delete env.MONGODB_URL;
  delete env.BOOKING_JWT_SECRET;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...argv], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('CLI options', () => {
  it.each([
    [['projections', 'rebuild', '--data-dir', '/elsewhere'], 'Unknown option --data-dir for projections rebuild'],
    [['audit', 'verify', '--seel', '12:ab'], 'Unknown option --seel for audit verify'],
    [['token', '--org', '6f1c2b1e-0000-4000-8000-000000000001', '--scopes', 'audit:read'], 'Unknown option --scopes for token'],
    // Read as a value, `--verify=true` was no flag at all: the "dry run" switched the live read store.
    [['projections', 'rebuild', '--verify=true'], '--verify takes no value (got "true")'],
    [['projections', 'rebuild', '--verify', 'registrations'], '--verify takes no value (got "registrations")'],
    // Words without -- were ignored: `projections rebuild registrations` rebuilt every projection.
    [['projections', 'rebuild', 'registrations'], 'Unexpected argument "registrations" for projections rebuild (options start with --)'],
    [['events', 'export', '10'], 'Unexpected argument "10" for events export (options start with --)'],
    [['events', 'export', '--from', '99999999999999999999999'], '--from needs a position (an integer from 0 to 9223372036854775807)'],
    [['audit', 'verify', '--seal', '1:ab', '--seal', '2:cd'], '--seal is given more than once'],
    // Given without its value, an option read as not given: every projection rebuilt, every organization's history exported, no seal checked.
    [['projections', 'rebuild', '--projection'], '--projection needs a value'],
    [['projections', 'rebuild', '--projection', '--verify'], '--projection needs a value'],
    [['events', 'export', '--org'], '--org needs a value'],
    [['events', 'export', '--from'], '--from needs a value'],
    [['events', 'export', '--event', 'e1'], '--event needs an exam event uuid'],
    [['audit', 'verify', '--seal'], '--seal needs a value'],
    [['bogus'], 'Unknown command "bogus"'],
    [['token', '--org', 'acme'], '--org must be an organization uuid (got "acme")'],
    [['token', '--org', '6f1c2b1e-0000-4000-8000-000000000001', '--scope', ''], '--scope needs at least one scope (known: booking:read, booking:write, catalog:write, audit:read)'],
    [['token', '--org', '6f1c2b1e-0000-4000-8000-000000000001', '--sub', ' '], '--sub must not be blank'],
    // A known first word names its sub-commands.
    [['events'], '"events" needs a sub-command: "events export"'],
    [['audit'], '"audit" needs a sub-command: "audit verify"'],
    [['projections', 'rebuilt'], 'Unknown command "projections rebuilt" (did you mean "projections rebuild"?)'],
    // A typo made jose throw a stack trace; a lifetime of years made a token that never expires.
    [['token', '--org', '6f1c2b1e-0000-4000-8000-000000000001', '--expires', '12 hours'], '--expires must be a whole number of s, m, h or d, at most 366d (got "12 hours")'],
    [['token', '--org', '6f1c2b1e-0000-4000-8000-000000000001', '--expires', '10000d'], '--expires must be a whole number of s, m, h or d, at most 366d (got "10000d")'],
  ])('refuses %j with exit code 2, the usage, and nothing written to the data folder', async (argv, message) => {
    const { code, stdout, stderr } = await runCli(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('BOOKING_DATA_DIR');
    expect(stdout).toBe('');
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('token refuses a folder without the API\'s secret instead of inventing one that no API uses', async () => {
    const { code, stdout, stderr } = await runCli(['token', '--org', '6f1c2b1e-0000-4000-8000-000000000001']);
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toBe(
      `Invalid configuration: BOOKING_JWT_SECRET is not set and ${dataDir}/jwt-secret does not exist: start the API once on this folder (it generates the secret there), or set BOOKING_DATA_DIR to the API's folder\n`,
    );
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it.each([[[]], [['-h']], [['help']], [['token', '--help']]])('prints the usage for %j with exit code 0', async (argv) => {
    const { code, stdout } = await runCli(argv);
    expect([code, stdout]).toEqual([0, expect.stringContaining('Usage: npm run cli -- <command> [options]')]);
  });

  it('runs a command given only its own options', async () => {
    writeFileSync(join(dataDir, 'jwt-secret'), `${'s'.repeat(40)}\n`);
    const { code, stdout } = await runCli(['token', '--org', '6f1c2b1e-0000-4000-8000-000000000001', '--sub', 'alice', '--expires', '1h']);
    expect(code).toBe(0);
    // A JWT: three base64url parts.
    expect(stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});
