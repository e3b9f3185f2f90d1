import { jest } from '@jest/globals';
import { parseArgs } from '../../apps/cli/src/args.js';
import { TEST_SECRET, type TestApp } from './test-app.js';

export type Command = (args: ReturnType<typeof parseArgs>) => Promise<void>;

/** Points the CLI (run in this process by `cli`) at the app's embedded stores and secret. */
export function useCliOn(app: TestApp): void {
  process.env.BOOKING_DATA_DIR = app.config.dataDir;
  process.env.BOOKING_JWT_SECRET = TEST_SECRET;
  delete process.env.EVENTSTORE_URL;
  delete process.env.MONGODB_URL;
}

/** Runs a CLI command in this process (same config as the API: the environment): captures stdout, mutes stderr. */
export async function cli(run: Command, argv: string[]): Promise<{ output: string; exitCode: number }> {
  let output = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  });
  // What the command says while it works (a rebuild's start): not the test's output.
  const writeError = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await run(parseArgs(argv));
  } finally {
    write.mockRestore();
    writeError.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { output, exitCode };
}
