import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { auditVerifyCommand } from '../../apps/cli/src/commands/audit.command.js';
import { eventsExportCommand } from '../../apps/cli/src/commands/events.command.js';
import { projectionsRebuildCommand } from '../../apps/cli/src/commands/projections.command.js';
import { cli, useCliOn } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import { TestApp } from '../support/test-app.js';
import { command, defineTenant, nextSlot, registered, retrieve, storedEvents, type Tenant } from '../support/registration-fixtures.js';

const CLI = new URL('../../dist/apps/cli/src/main.js', import.meta.url).pathname;

/** The built CLI (`npm test` builds first) on the environment `useCliOn` set. */
async function runBuiltCli(argv: string[]): Promise<{ code: number; stdout: string }> {
  try {
    return { code: 0, stdout: (await promisify(execFile)(process.execPath, [CLI, ...argv], { env: process.env })).stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('auditor CLI against a running API on the embedded stores', () => {
  let app: TestApp;
  let tenant: Tenant;
  let other: Tenant;
  let registration: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    app = await TestApp.start();
    useCliOn(app);
    // Filled through the real commands: catalog PUTs, registrations, their changes.
    tenant = await defineTenant(app);
    other = await defineTenant(app);
    ({ registration } = await registered(app, tenant, { Accommodations: [{ Type: 'Reader', TimeExtension: 10 }] }));
    const second = await registered(app, tenant);
    expect((await command(app, tenant, second.registration, 'cancel', {})).status).toBe(200);
    await registered(app, other);
    // A venue's new time zone re-renders its events' times on the rows: a rebuild must agree.
    const moved = await app.request('PUT', `/api/venues/${tenant.venue}`, { token: tenant.token, body: { Name: 'North Hall', TimeZone: 'America/New_York' } });
    expect(moved.status).toBe(200);
    await registered(app, tenant);
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

    // Every collection of a projection is compared, not only its first: a learner's live catalog entry (after the venues).
    const catalog = new Database(join(app.config.dataDir, 'read.sqlite'));
    const learnerKey = `${tenant.org}:${tenant.learner}`;
    expect(catalog.prepare(`UPDATE rm_catalog_learners SET doc = json_set(doc, '$.Name', 'Mallory') WHERE id = ?`).run(learnerKey).changes).toBe(1);
    catalog.close();
    const catalogVerify = await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--projection', 'catalog', '--verify']);
    expect([catalogVerify.output.match(/^different: .*$/gm), catalogVerify.exitCode]).toEqual([[`different: catalog catalog_learners ${learnerKey} (Name)`], 1]);

    const rebuild = await cli(projectionsRebuildCommand, ['projections', 'rebuild']);
    // It says which generation of the read store is live now, and that nothing waited for a lock.
    expect(rebuild.output).toMatch(
      /^Rebuilt and switched over: .*registrations.*; read\.sqlite now links to read\.gen-\d+\.sqlite; a running API switches to it within about a second$/m,
    );
    expect(rebuild.exitCode).toBe(0);
    // The worker's partition file is gone by the time the command answers.
    expect(readdirSync(app.config.dataDir).filter((name) => name.includes('partition'))).toEqual([]);
    // The running API moves to the rebuilt models within its poll, and its projector keeps going.
    await eventually(async () => expect((await retrieve(app, tenant, registration)).body.LearnerName).toBe('Ada Lovelace'));
    const later = await registered(app, tenant);
    expect((await retrieve(app, tenant, later.registration)).status).toBe(200);
    expect((await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--verify'])).exitCode).toBe(0);
  });

  it('projections rebuild --verify finds nothing while commands keep changing the live models', async () => {
    // The built CLI in a process of its own, as an operator runs it, while four clients keep registering.
    let loading = true;
    const client = async () => {
      for (let n = 0; loading; n++) {
        const { registration: id } = await registered(app, tenant);
        await command(app, tenant, id, 'grant-accommodation', { Type: `Reader ${n}`, TimeExtension: 5 });
      }
    };
    const load = Promise.all([client(), client(), client(), client()]);
    try {
      for (let run = 0; run < 3; run++) {
        const { stdout, code } = await runBuiltCli(['projections', 'rebuild', '--verify']);
        expect([run, stdout.split('\n').slice(0, 3).join('\n'), code]).toEqual([run, expect.stringContaining('Verified: the rebuilt read models equal the live ones'), 0]);
      }
    } finally {
      loading = false;
      await load;
    }
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

  it('events export --event lists what is about one exam event: its own stream, its number, and the registrations joining and leaving it', async () => {
    const start = nextSlot();
    const joined = await registered(app, other, { EventStart: start });
    const moved = await registered(app, other, { EventStart: start });
    expect(moved.event).toBe(joined.event);
    expect((await command(app, other, moved.registration, 'transfer-lax', { EventVenue: other.venue, EventStart: nextSlot(), Learner: other.learner })).status).toBe(201);
    expect((await command(app, other, joined.registration, 'cancel', {})).status).toBe(200);
    await registered(app, other);

    const { output } = await cli(eventsExportCommand, ['events', 'export', '--event', joined.event.toUpperCase()]);
    const lines = output.trimEnd().split('\n').map((line) => JSON.parse(line));
    const about = (await storedEvents(app, other.org)).filter((e) =>
      e.streamId === `examEvent-${joined.event}` || [e.data.EventId, e.data.FromEventId, e.data.ToEventId].includes(joined.event),
    );
    expect(lines.map((l) => [l.Type, l.StreamId])).toEqual(about.map((e) => [e.type, e.streamId]));
    expect(lines.map((l) => l.Type)).toEqual(expect.arrayContaining(['ExamEventNumberAssigned', 'ExamScheduled', 'RegistrationRequested', 'RegistrationTransferred', 'RegistrationCancelled']));
    // The two registrations' other events (their forms, the moved one's later ones) are not about it.
    expect(lines.filter((l) => l.StreamId.startsWith('registration-')).map((l) => l.Type)).toEqual(['RegistrationRequested', 'RegistrationRequested', 'RegistrationTransferred', 'RegistrationCancelled']);
  });

  it("audit verify prints the log's seal; checked against it, a stream's last event removed is found", async () => {
    const first = await cli(auditVerifyCommand, ['audit', 'verify']);
    const seal = /^Seal: (\d+:[0-9a-f]{64}) /m.exec(first.output)?.[1];
    expect(seal).toBeDefined();
    await registered(app, tenant);
    const grown = await cli(auditVerifyCommand, ['audit', 'verify', '--seal', seal!]);
    expect(grown.output).toContain(`every hash chain holds; the log up to position ${seal!.split(':')[0]} matches the seal`);
    expect(grown.exitCode).toBe(0);

    const db = new Database(join(app.config.dataDir, 'events.sqlite'));
    try {
      // The last event of some stream with more than one, at or before the seal's position.
      const last = db
        .prepare('SELECT * FROM events e WHERE revision > 0 AND position <= ? AND revision = (SELECT max(revision) FROM events WHERE stream_id = e.stream_id) ORDER BY position DESC LIMIT 1')
        .get(Number(seal!.split(':')[0])) as Record<string, unknown>;
      db.prepare('DELETE FROM events WHERE position = ?').run(last.position);
      // The store's own record of the stream still names the removed revision.
      const byRecord = await cli(auditVerifyCommand, ['audit', 'verify']);
      expect([byRecord.output, byRecord.exitCode]).toEqual([
        `BROKEN: stream ${last.stream_id} has events up to revision ${Number(last.revision) - 1}, but the store records revision ${last.revision} (events were removed or added by hand)\n`,
        1,
      ]);
      // The record removed instead: the stream's events remain, unrecorded.
      const record = db.prepare('SELECT * FROM streams WHERE stream_id = ?').get(last.stream_id) as { stream_id: string; revision: number };
      db.prepare('DELETE FROM streams WHERE stream_id = ?').run(last.stream_id);
      const unrecorded = await cli(auditVerifyCommand, ['audit', 'verify']);
      expect([unrecorded.output, unrecorded.exitCode]).toEqual([
        `BROKEN: stream ${last.stream_id} has events up to revision ${Number(last.revision) - 1}, but the store has no record of it (events were removed or added by hand)\n`,
        1,
      ]);
      db.prepare('INSERT INTO streams (stream_id, revision) VALUES (?, ?)').run(record.stream_id, record.revision);
      // Mended too, the record agrees: only the seal shows it.
      db.prepare('UPDATE streams SET revision = revision - 1 WHERE stream_id = ?').run(last.stream_id);
      expect((await cli(auditVerifyCommand, ['audit', 'verify'])).output).toMatch(/^OK: /);
      const removed = await cli(auditVerifyCommand, ['audit', 'verify', '--seal', seal!]);
      expect(removed.output).toContain(`BROKEN: the log up to position ${seal!.split(':')[0]} does not match the seal`);
      expect(removed.exitCode).toBe(1);
      // Put back as it was, the log matches its seal again.
      const columns = Object.keys(last);
      db.prepare(`INSERT INTO events (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...columns.map((c) => last[c]));
      db.prepare('UPDATE streams SET revision = revision + 1 WHERE stream_id = ?').run(last.stream_id);
    } finally {
      db.close();
    }
    expect((await cli(auditVerifyCommand, ['audit', 'verify', '--seal', seal!])).exitCode).toBe(0);

    // A seal from beyond the log's end: the log lost the events it was made with, even if what is
    // left digests as the seal says (here: today's seal, its position moved past the end).
    const now = /^Seal: (\d+):([0-9a-f]{64}) /m.exec((await cli(auditVerifyCommand, ['audit', 'verify'])).output)!;
    const beyond = await cli(auditVerifyCommand, ['audit', 'verify', '--seal', `${BigInt(now[1]) + 1000n}:${now[2]}`]);
    expect([beyond.output, beyond.exitCode]).toEqual([
      `BROKEN: the log ends at position ${now[1]}, before the seal's position ${BigInt(now[1]) + 1000n}: events the seal was made with were removed\n`,
      1,
    ]);
    await expect(cli(auditVerifyCommand, ['audit', 'verify', '--seal', '12:abc'])).rejects.toThrow('--seal must be <position>:<64 hex digits>');
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

/**
 * The switch-over publishes a new generation of the read store under a running API, which moves
 * its connections there: its prepared statements and caches (layouts, counts, the trigram
 * planner's probes) must go on answering right, on the event loop and in query threads.
 */
describe.each([
  ['on the event loop (the default)', {}],
  ['in query threads (BOOKING_QUERY_THREADS=2)', { BOOKING_QUERY_THREADS: '2' }],
])('statements and caches across projections rebuild, under a running API answering %s', (_, env) => {
  let app: TestApp;
  let tenant: Tenant;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    app = await TestApp.start(env);
    useCliOn(app);
    tenant = await defineTenant(app);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await app.close();
  });

  const search = (body: object) => app.request('POST', '/api/registrations/search', { token: tenant.token, body });
  const count = async (body: object) => (await app.request('POST', '/api/registrations/count', { token: tenant.token, body })).body;
  const found = async (body: object) => (await search(body)).body.map((row: { RegistrationIdentifier: string }) => row.RegistrationIdentifier);

  it('keeps search, count and retrieve right, leaves nothing queued for the text index, and finds a new registration', async () => {
    const ada = (await registered(app, tenant)).registration;
    const other = (await registered(app, tenant)).registration;
    const expectTheTwo = async () => {
      expect((await found({ Name: 'lovelace' })).sort()).toEqual([ada, other].sort());
      expect(await found({ Name: 'Tu' })).toEqual([]);
      expect(await count({})).toBe(2);
    };
    // Asked before the switch-over too, so that every cache holds answers from the old tables.
    await expectTheTwo();
    const rebuild = await cli(projectionsRebuildCommand, ['projections', 'rebuild']);
    expect(rebuild.output).toContain('Rebuilt and switched over');
    const db = new Database(join(app.config.dataDir, 'read.sqlite'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM rm_registrations_fts_queue').pluck().get()).toBe(0);
    db.close();
    await expectTheTwo();
    expect((await retrieve(app, tenant, ada)).body.LearnerName).toBe('Ada Lovelace');

    const turing = (await registered(app, tenant, { Learner: tenant.otherLearner })).registration;
    expect(await found({ Name: 'turing' })).toEqual([turing]);
    expect(await found({ Name: 'Tu' })).toEqual([turing]);
    expect(await count({ Email: 'example.org' })).toBe(3);
    expect((await search({ Name: 'lovelace' })).headers.get('x-total-count')).toBe('2');
    expect((await retrieve(app, tenant, turing)).body.LearnerName).toBe('Alan Turing');
    expect((await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--verify'])).exitCode).toBe(0);
  });
});
