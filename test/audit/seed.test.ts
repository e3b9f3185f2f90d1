import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../../apps/cli/src/args.js';
import { auditVerifyCommand } from '../../apps/cli/src/commands/audit.command.js';
import { SqliteReadStore } from '../../libs/read-model/src/sqlite-read-store.js';

/** The seed (the built script, as `npm run seed` runs it) fills a store the benchmark and auditors can trust. */
describe('npm run seed', () => {
  let dir: string;
  const savedEnv = { ...process.env };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'seed-'));
    execFileSync(process.execPath, ['dist/scripts/seed.js', '--registrations', '2000', '--data-dir', dir], { stdio: 'ignore' });
  });
  afterAll(() => {
    process.env = savedEnv;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every event hash-chained, as the API does: audit verify passes', async () => {
    process.env.BOOKING_DATA_DIR = dir;
    let output = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += String(chunk);
      return true;
    });
    try {
      await auditVerifyCommand(parseArgs(['audit', 'verify']));
    } finally {
      write.mockRestore();
    }
    expect(output).toMatch(/^OK: \d+ events in \d+ streams, every hash chain holds/);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('attaches each registration\'s form to its exam event, as register-lax does: the event title names it', async () => {
    // 2,000 registrations make 20 exam events, each seating one form's registrations.
    const store = new SqliteReadStore(join(dir, 'read.sqlite'));
    try {
      const rows = await store.find('registrations', {});
      expect(rows).toHaveLength(2000);
      for (const row of rows) expect(String(row.EventTitle).split(' / ')[1]).toBe(row.AssessmentFormTitle);
    } finally {
      await store.close();
    }
  });
});
