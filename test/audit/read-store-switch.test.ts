/**
 * `projections rebuild` publishes a new generation of the embedded read store (`read.sqlite`
 * becomes a link to `read.gen-<n>.sqlite`); a running API switches to it without a restart, with
 * read-your-writes kept across the switch, and removes the generation it left.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { closeSync, lstatSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { projectionsRebuildCommand } from '../../apps/cli/src/commands/projections.command.js';
import { reserveGeneration } from '../../libs/read-model/src/read-store-generations.js';
import { SqliteReadStore } from '../../libs/read-model/src/sqlite-read-store.js';
import { cli, useCliOn } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import { TestApp } from '../support/test-app.js';
import { defineTenant, registered, retrieve, type Tenant } from '../support/registration-fixtures.js';

/** The read store's files in the folder, sorted. */
const readStoreFiles = (dataDir: string) => readdirSync(dataDir).filter((name) => name.startsWith('read.')).sort();
const generationFiles = (n: number) => [`read.gen-${n}.sqlite`, `read.gen-${n}.sqlite-shm`, `read.gen-${n}.sqlite-wal`, 'read.sqlite'];

describe.each([
  ['on the event loop (the default)', {}],
  ['in a query thread (BOOKING_QUERY_THREADS=1)', { BOOKING_QUERY_THREADS: '1' }],
])('projections rebuild under a running API answering %s', (_, env) => {
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

  const search = async (body: object) =>
    (await app.request('POST', '/api/registrations/search', { token: tenant.token, body })).body.map(
      (row: { RegistrationIdentifier: string; LearnerName: string }) => [row.RegistrationIdentifier, row.LearnerName],
    );
  const count = async () => (await app.request('POST', '/api/registrations/count', { token: tenant.token, body: {} })).body;

  /**
   * Registers one after another until `until` resolves; after each 2xx, a retrieve and a search
   * (a query thread's, when there are threads) must see it: read-your-writes across the switch.
   */
  async function commandsUntil(until: Promise<unknown>): Promise<string[]> {
    let done = false;
    void until.finally(() => (done = true));
    const made: string[] = [];
    while (!done || made.length < 3) {
      const { registration } = await registered(app, tenant);
      made.push(registration);
      expect((await retrieve(app, tenant, registration)).status).toBe(200);
      expect((await search({ Name: 'lovelace' })).map(([id]: string[]) => id)).toContain(registration);
    }
    return made;
  }

  it('repairs a damaged read model without a restart, sees every command sent during and after, and removes the old generation', async () => {
    const ada = (await registered(app, tenant)).registration;
    // Read once: the projector has written it (a command answers once stored).
    expect((await retrieve(app, tenant, ada)).status).toBe(200);
    // A fresh folder's read store is a regular file, as in a folder from before generations.
    expect(lstatSync(join(app.config.dataDir, 'read.sqlite')).isSymbolicLink()).toBe(false);
    const db = new Database(join(app.config.dataDir, 'read.sqlite'));
    db.prepare(
      `UPDATE rm_registrations SET doc = json_set(doc, '$.LearnerName', 'Mallory'), v_detail = json_set(v_detail, '$.LearnerName', 'Mallory'),
       v_row = json_set(v_row, '$.LearnerName', 'Mallory') WHERE id = ?`,
    ).run(ada);
    db.close();
    expect((await retrieve(app, tenant, ada)).body.LearnerName).toBe('Mallory');

    const rebuild = cli(projectionsRebuildCommand, ['projections', 'rebuild']);
    const during = await commandsUntil(rebuild);
    expect((await rebuild).output).toContain('read.sqlite now links to read.gen-1.sqlite');
    expect(readlinkSync(join(app.config.dataDir, 'read.sqlite'))).toBe('read.gen-1.sqlite');

    await eventually(async () => expect((await retrieve(app, tenant, ada)).body.LearnerName).toBe('Ada Lovelace'));
    await eventually(async () => expect(await search({ Name: 'lovelace' })).toContainEqual([ada, 'Ada Lovelace']));
    const after = await commandsUntil(Promise.resolve());
    const every = [ada, ...during, ...after];
    expect((await search({ Name: 'lovelace' })).map(([id]: string[]) => id).sort()).toEqual([...every].sort());
    expect(await count()).toBe(every.length);
    // The old file's -wal and -shm, under the name the link took, are gone too.
    await eventually(async () => expect(readStoreFiles(app.config.dataDir)).toEqual(generationFiles(1)));

    // A second rebuild switches again, and the first generation goes.
    const again = cli(projectionsRebuildCommand, ['projections', 'rebuild']);
    const duringAgain = await commandsUntil(again);
    expect((await again).output).toContain('read.sqlite now links to read.gen-2.sqlite');
    await eventually(async () => expect(readStoreFiles(app.config.dataDir)).toEqual(generationFiles(2)));
    const last = await commandsUntil(Promise.resolve());
    expect(await count()).toBe(every.length + duringAgain.length + last.length);
    expect((await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--verify'])).exitCode).toBe(0);
  });
});

describe('projections rebuild --projection NAME', () => {
  let app: TestApp;
  let tenant: Tenant;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    app = await TestApp.start();
    useCliOn(app);
    tenant = await defineTenant(app);
    const { registration } = await registered(app, tenant);
    // A read waits until the projector has applied it: the file holds it.
    expect((await retrieve(app, tenant, registration)).status).toBe(200);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await app.close();
  });

  /** Every row of the tables of the catalog and exam-event read models, and every checkpoint. */
  function snapshot(file: string): unknown {
    const db = new Database(file, { readonly: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rm\\_%' ESCAPE '\\' AND name NOT LIKE 'rm\\_registrations%' ESCAPE '\\' ORDER BY name")
        .pluck()
        .all() as string[];
      return {
        tables: Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all()])),
        checkpoints: db.prepare('SELECT * FROM projection_checkpoints ORDER BY projection').all(),
      };
    } finally {
      db.close();
    }
  }

  it("keeps the other projections' rows and checkpoints in the new generation", async () => {
    const before = snapshot(join(app.config.dataDir, 'read.sqlite'));
    expect(Object.keys((before as { tables: object }).tables).length).toBeGreaterThan(2);
    const rebuild = await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--projection', 'registrations']);
    expect(rebuild.output).toContain('Rebuilt and switched over: registrations; read.sqlite now links to read.gen-1.sqlite');
    // The new file itself, before the API's projector has written anything into it.
    expect(snapshot(join(app.config.dataDir, 'read.gen-1.sqlite'))).toEqual(before);
    const later = (await registered(app, tenant)).registration;
    await eventually(async () => expect(readStoreFiles(app.config.dataDir)).toEqual(generationFiles(1)));
    expect((await retrieve(app, tenant, later)).status).toBe(200);
    expect((await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--verify'])).exitCode).toBe(0);
  });
});

describe('projections rebuild --projection NAME on a store of an older layout', () => {
  it('brings the live store to the current layout first, so the projections it copies from it fit the new generation', async () => {
    const app = await TestApp.start();
    const savedEnv = { ...process.env };
    useCliOn(app);
    try {
      const tenant = await defineTenant(app);
      const { registration } = await registered(app, tenant);
      expect((await retrieve(app, tenant, registration)).status).toBe(200);
      await app.app.close();
      // The registrations as a store from before search columns holds them: each text field's value
      // in an f_ column, in the columns' order of then (the migration renames them where they stand).
      const old = new Database(join(app.config.dataDir, 'read.sqlite'));
      try {
        const then = ['Organization', 'LastChangeTime', 'LearnerName', 'LearnerEmail', 'LearnerCode', 'EventIdentifier', 'LearnerIdentifier', 'AssessmentFormIdentifier'];
        const columns = [...then.map((field) => `f_${field}`), 'v_row', 'v_detail'];
        const values = [...then.map((field) => `json_extract(doc, '$.${field}')`), 'v_row', 'v_detail'];
        for (const suffix of ['ai', 'au', 'ad']) old.exec(`DROP TRIGGER rm_registrations_fts_${suffix}`);
        const indexes = old.prepare(`SELECT name FROM pragma_index_list('rm_registrations') WHERE origin = 'c'`).pluck().all() as string[];
        for (const index of indexes) old.exec(`DROP INDEX "${index}"`);
        old.exec('ALTER TABLE rm_registrations RENAME TO rm_registrations_now');
        old.exec(`CREATE TABLE rm_registrations (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, ${columns.join(', ')})`);
        old.exec(`INSERT INTO rm_registrations (rid, id, doc, ${columns.join(', ')}) SELECT rid, id, doc, ${values.join(', ')} FROM rm_registrations_now`);
        old.exec('DROP TABLE rm_registrations_now');
      } finally {
        old.close();
      }

      const rebuild = await cli(projectionsRebuildCommand, ['projections', 'rebuild', '--projection', 'catalog']);
      expect(rebuild.output).toContain('Rebuilt and switched over: catalog; read.sqlite now links to read.gen-1.sqlite');
      const published = new Database(join(app.config.dataDir, 'read.gen-1.sqlite'), { readonly: true });
      try {
        expect(published.prepare('SELECT s_LearnerName FROM rm_registrations WHERE id = ?').pluck().get(registration)).toBe('ada lovelace');
        expect(published.prepare(`SELECT count(*) FROM pragma_table_xinfo('rm_registrations') WHERE name = 'f_LearnerName'`).pluck().get()).toBe(0);
      } finally {
        published.close();
      }
    } finally {
      process.env = savedEnv;
      rmSync(app.config.dataDir, { recursive: true, force: true });
    }
  });
});

describe('the API at its start', () => {
  it('removes the generations older than the current one and newer ones a killed rebuild left, never the current one or one being built', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'booking-generations-'));
    await new SqliteReadStore(join(dataDir, 'read.gen-3.sqlite')).close();
    symlinkSync('read.gen-3.sqlite', join(dataDir, 'read.sqlite'));
    for (const stale of ['read.gen-1.sqlite', 'read.gen-2.sqlite', 'read.gen-2.sqlite-wal', 'read.gen-2.sqlite.partition-1', 'read.sqlite-wal']) {
      writeFileSync(join(dataDir, stale), 'stale');
    }
    // Being built (held by this process), and left by a rebuild that was killed (its lock free).
    const building = reserveGeneration(dataDir);
    for (const abandoned of ['read.gen-5.sqlite', 'read.gen-5.sqlite.building', 'read.gen-5.sqlite.partition-1']) closeSync(openSync(join(dataDir, abandoned), 'w'));
    const app = await TestApp.start({ BOOKING_DATA_DIR: dataDir });
    try {
      expect(building.file).toBe(join(dataDir, 'read.gen-4.sqlite'));
      expect(readStoreFiles(dataDir)).toEqual(['read.gen-3.sqlite', 'read.gen-3.sqlite-shm', 'read.gen-3.sqlite-wal', 'read.gen-4.sqlite', 'read.gen-4.sqlite.building', 'read.sqlite']);
      const tenant = await defineTenant(app);
      const { registration } = await registered(app, tenant);
      expect((await retrieve(app, tenant, registration)).status).toBe(200);
    } finally {
      await app.close();
      building.release();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
