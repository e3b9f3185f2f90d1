import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseArgs } from '../../apps/cli/src/args.js';
import { auditVerifyCommand } from '../../apps/cli/src/commands/audit.command.js';
import { eventsExportCommand } from '../../apps/cli/src/commands/events.command.js';
import { projectionsRebuildCommand } from '../../apps/cli/src/commands/projections.command.js';
import { TEST_SECRET, TestApp } from '../support/test-app.js';
import { command, defineTenant, registered, retrieve, storedEvents, type Tenant } from '../support/registration-fixtures.js';

type Command = (args: ReturnType<typeof parseArgs>) => Promise<void>;

/** Runs a CLI command in this process (same config as the API: the environment) and captures stdout. */
async function cli(run: Command, argv: string[]): Promise<{ output: string; exitCode: number }> {
  let output = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  });
  try {
    await run(parseArgs(argv));
  } finally {
    write.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { output, exitCode };
}

describe('auditor CLI against a running API on the embedded stores', () => {
  let app: TestApp;
  let tenant: Tenant;
  let other: Tenant;
  let registration: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    app = await TestApp.start();
    process.env.BOOKING_DATA_DIR = app.config.dataDir;
    process.env.BOOKING_JWT_SECRET = TEST_SECRET;
    delete process.env.EVENTSTORE_URL;
    delete process.env.MONGODB_URL;
    // Filled through the real commands: catalog PUTs, registrations, their changes.
    tenant = await defineTenant(app);
    other = await defineTenant(app);
    ({ registration } = await registered(app, tenant, { Accommodations: [{ Type: 'Reader', TimeExtension: 10 }] }));
    const second = await registered(app, tenant);
    expect((await command(app, tenant, second.registration, 'cancel', {})).status).toBe(200);
    await registered(app, other);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await app.close();
  });

  it('projections rebuild --verify finds the rebuilt read models equal to the live ones', async () => {
    const { output, exitCode } = await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--verify']);
    expect(output).toContain('Verified: the rebuilt read models equal the live ones');
    expect(exitCode).toBe(0);
  });

  it('lists a live read-model document that differs, then a rebuild switches the API back to the truth', async () => {
    const db = new Database(join(app.config.dataDir, 'read.sqlite'));
    // The stored document and the retrieve answer kept rendered beside it (its detail view).
    db.prepare(
      `UPDATE rm_registrations SET doc = json_set(doc, '$.LearnerName', 'Mallory'), v_detail = json_set(v_detail, '$.LearnerName', 'Mallory') WHERE id = ?`,
    ).run(registration);
    db.close();
    expect((await retrieve(app, tenant, registration)).body.LearnerName).toBe('Mallory');

    const verify = await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--projection', 'registrations', '--verify']);
    expect(verify.output).toContain(`different: registrations registrations ${registration} (LearnerName, detail view: LearnerName)`);
    expect(verify.output).toContain('1 difference(s)');
    expect(verify.exitCode).toBe(1);

    const rebuild = await cli(projectionsRebuildCommand, ['projections', 'rebuild']);
    expect(rebuild.output).toContain('Rebuilt and switched over');
    expect(rebuild.exitCode).toBe(0);
    // The running API reads the switched models at once, and its projector keeps going.
    expect((await retrieve(app, tenant, registration)).body.LearnerName).toBe('Ada Lovelace');
    const later = await registered(app, tenant);
    expect((await retrieve(app, tenant, later.registration)).status).toBe(200);
    expect((await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--verify'])).exitCode).toBe(0);
  });

  it('refuses an unknown projection name', async () => {
    await expect(cli(projectionsRebuildCommand, ['projections', 'rebuild', '--projection', 'nope'])).rejects.toThrow(
      'unknown projection "nope"',
    );
  });

  it('events export writes one organization’s history as NDJSON, optionally from a position', async () => {
    const { output } = await cli(eventsExportCommand, ['events', 'export', '--org', other.org]);
    const lines = output.trimEnd().split('\n').map((line) => JSON.parse(line));
    const stored = await storedEvents(app, other.org);
    expect(lines.map((l) => l.Position)).toEqual(stored.map((e) => e.position.toString()));
    expect(lines[0]).toEqual({
      Position: stored[0].position.toString(),
      StreamId: stored[0].streamId,
      Revision: '0',
      Type: 'VenueDefined',
      Data: stored[0].data,
      Metadata: expect.objectContaining({ organization: other.org, hash: expect.any(String) }),
    });
    const from = stored[3].position;
    const tail = await cli(eventsExportCommand, ['events', 'export', '--org', other.org, '--from', from.toString()]);
    expect(tail.output.trimEnd().split('\n').map((line) => JSON.parse(line).Position)).toEqual(
      stored.slice(3).map((e) => e.position.toString()),
    );
  });

  it('audit verify passes on the untouched log and names the event whose stored row was edited', async () => {
    const ok = await cli(auditVerifyCommand, ['audit', 'verify']);
    expect(ok.output).toMatch(/^OK: \d+ events in \d+ streams, every hash chain holds/);
    expect(ok.exitCode).toBe(0);

    const stream = `learner-${tenant.org}-${tenant.learner}`;
    const db = new Database(join(app.config.dataDir, 'events.sqlite'));
    const position = db.prepare('SELECT position FROM events WHERE stream_id = ? AND revision = 0').pluck().get(stream);
    db.prepare(`UPDATE events SET data = json_set(data, '$.Name', 'Forged') WHERE position = ?`).run(position);
    db.close();

    const broken = await cli(auditVerifyCommand, ['audit', 'verify']);
    expect(broken.output).toContain(`BROKEN: stream ${stream} revision 0 position ${position}`);
    expect(broken.exitCode).toBe(1);
  });
});
