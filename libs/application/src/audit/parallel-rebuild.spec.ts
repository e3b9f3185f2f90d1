import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewEvent } from '../../../event-store/src/event-store.js';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import { allProjections } from '../../../read-model/src/projections.js';
import type { Projection } from '../../../read-model/src/projection.js';
import { RegistrationCollections, registrationsProjection } from '../../../read-model/src/registrations/registrations.projection.js';
import { SqliteReadStore } from '../../../read-model/src/sqlite-read-store.js';
import { auditedEventStore } from './audited-event-store.js';
import { rebuildInParallel } from './parallel-rebuild.js';
import { BATCH, catchUp, compareProjection } from './projection-rebuild.js';
import { PARTITION_BATCH, partitionsOf, readFor, replayPart, replays } from './rebuild-partition.js';

const ORG = '0b7c6a52-54b5-4e4f-9a55-0c1c1f0f2a01';
const LEARNER = '3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a011';
const FORM = 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e705';
const EVENTS = ['c7f0e6f2-6f35-4d8e-9b7e-5a3e2a9d8c03', 'c7f0e6f2-6f35-4d8e-9b7e-5a3e2a9d8c04'];
const REGISTRATIONS = Array.from({ length: 24 }, (_, i) => `9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c${String(i).padStart(2, '0')}`);

const event = (type: string, data: Record<string, unknown>): NewEvent => ({
  type,
  data,
  metadata: { organization: ORG, actor: 'tester', occurredAt: '2031-01-01T10:00:00Z', correlationId: 'c', causationId: 'c', schemaVersion: 1 },
});

/** Catalog and exam events, registrations on both events, and changes to what the rows show after them. */
async function seed(store: SqliteEventStore, registrations = REGISTRATIONS): Promise<void> {
  await store.append(`learner-${ORG}-${LEARNER}`, [event('LearnerDefined', { Organization: ORG, LearnerId: LEARNER, Name: 'Ada', Email: null, Code: 'P-1' })], 'any');
  await store.append(`assessmentForm-${ORG}-${FORM}`, [
    event('AssessmentFormDefined', { Organization: ORG, FormId: FORM, Code: 'CHEM-110', Name: 'Chemistry final', Title: 'Chemistry', Status: 'Published', Asset: 1, TimeLimit: 90 }),
  ], 'any');
  for (const [i, EventId] of EVENTS.entries()) {
    await store.append(`examEvent-${EventId}`, [
      event('ExamScheduled', {
        EventId, Organization: ORG, Number: i + 1, Venue: 'v', VenueName: 'North Hall', VenueTimeZone: 'America/Vancouver',
        Start: '2031-03-03T17:00:00.000Z', End: '2031-03-03T18:00:00.000Z', DurationMinutes: 60, ExamType: 'Sitting', Format: 'Paper',
        BillingCode: 'Fee', RegistrationLimit: null, Source: 'API', Title: `Exam ${i}`, Status: 'Scheduled',
      }),
    ], 'any');
  }
  for (const [i, RegistrationId] of registrations.entries()) {
    const EventId = EVENTS[i % 2];
    await store.append(`registration-${RegistrationId}`, [
      event('RegistrationRequested', { RegistrationId, Organization: ORG, EventId, LearnerId: LEARNER, Passcode: `P${i}`, Status: 'Registered' }),
      event('ExamFormAssigned', { RegistrationId, FormId: FORM, FormCode: 'CHEM-110', FormTimeLimit: 90 }),
      ...(i % 3 === 0 ? [event('RegistrationCancelled', { RegistrationId, EventId, Reason: null })] : []),
      ...(i % 5 === 0 ? [event('RegistrationDeleted', { RegistrationId, EventId })] : []),
    ], 'any');
  }
  // A form attached to one event, then its venue renamed: both retitle every row of the event.
  await store.append(`examEvent-${EVENTS[0]}`, [event('ExamFormAttached', { EventId: EVENTS[0], FormId: FORM, FormTitle: 'Chemistry' })], 'any');
  await store.append(`venue-${ORG}-v`, [event('VenueDefined', { Organization: ORG, VenueId: 'v', Name: 'South Hall', TimeZone: 'America/Vancouver', Address: null })], 'any');
  await store.append(`learner-${ORG}-${LEARNER}`, [event('LearnerDefined', { Organization: ORG, LearnerId: LEARNER, Name: 'Ada Lovelace', Email: 'ada@example.org', Code: 'P-1' })], 'any');
}

describe('rebuildInParallel', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parallel-rebuild-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The seeded log in this test's folder: its file, the store, and the store as the API reads it (upcasting). */
  async function seededLog(registrations = REGISTRATIONS) {
    const eventsFile = join(dir, 'events.sqlite');
    const raw = new SqliteEventStore(eventsFile);
    await seed(raw, registrations);
    return { eventsFile, raw, eventStore: auditedEventStore(raw) };
  }

  /**
   * The log to its head: replayed once into `reference`, rebuilt on two threads into `fresh` (at
   * `freshFile`); the head, and the removal of the partition files.
   */
  async function replayedBothWays(log: Awaited<ReturnType<typeof seededLog>>, reference: SqliteReadStore, fresh: SqliteReadStore, freshFile: string) {
    const { eventsFile, eventStore } = log;
    const head = await eventStore.headPosition();
    const specs = allProjections.flatMap((p) => p.collections);
    await reference.ensureCollections(specs);
    await catchUp(eventStore, reference, allProjections, head);
    await fresh.ensureCollections(specs);
    const { partitionsRemoved } = await rebuildInParallel({ eventStore, eventsFile, store: fresh, storeFile: freshFile, projections: allProjections, target: head, threads: 2 });
    return { head, partitionsRemoved };
  }

  it('builds on two threads exactly what one replay builds, and leaves no partition file', async () => {
    // The premise: both partitions hold registrations.
    const parts = partitionsOf(registrationsProjection, 2).map(replays);
    for (const own of parts) expect(REGISTRATIONS.filter((id) => own(`registration-${id}`)).length).toBeGreaterThan(0);
    const log = await seededLog();
    const { eventStore } = log;
    const one = new SqliteReadStore(join(dir, 'one.sqlite'), { rebuild: true });
    const storeFile = join(dir, 'two.sqlite');
    const two = new SqliteReadStore(storeFile, { rebuild: true });
    try {
      const { head, partitionsRemoved } = await replayedBothWays(log, one, two, storeFile);

      for (const projection of allProjections) {
        expect(await compareProjection(projection, two, one)).toEqual([]);
        expect(await two.getCheckpoint(projection.name)).toBe(head);
      }
      expect((await two.find('registrations', {})).length).toBe(REGISTRATIONS.length - 5);
      await two.buildIndexes();
      expect((await two.find('registrations', { LearnerName: { $contains: 'lovelace' } })).length).toBe(REGISTRATIONS.length - 5);
      await partitionsRemoved;
      expect(readdirSync(dir).filter((name) => name.includes('partition'))).toEqual([]);
    } finally {
      await one.close();
      await two.close();
      await eventStore.close();
    }
  });

  it('upcasts on the threads as one replay does: a venue stored in schema version 1 keeps its address', async () => {
    const log = await seededLog();
    const { raw, eventStore } = log;
    // Flat address fields, as VenueDefined v1 stored them.
    await raw.append(`venue-${ORG}-old`, [event('VenueDefined', { Organization: ORG, VenueId: 'old', Name: 'Old Hall', TimeZone: 'UTC', Street: null, City: 'Victoria', Province: '', PostalCode: null, Country: null })], 'any');
    const one = new SqliteReadStore(join(dir, 'one.sqlite'), { rebuild: true });
    const storeFile = join(dir, 'two.sqlite');
    const two = new SqliteReadStore(storeFile, { rebuild: true });
    try {
      const { partitionsRemoved } = await replayedBothWays(log, one, two, storeFile);
      for (const projection of allProjections) expect([projection.name, await compareProjection(projection, two, one)]).toEqual([projection.name, []]);
      const [venue] = await two.find('catalog_venues', { Name: 'Old Hall' });
      expect(venue.Address).toEqual({ Street: null, City: 'Victoria', Province: null, PostalCode: null, Country: null });
      await partitionsRemoved;
    } finally {
      await one.close();
      await two.close();
      await eventStore.close();
    }
  });

  it('builds what the live store builds when a retitle or a learner change meets hundreds of rows on each thread (an index built early)', async () => {
    // More rows in each partition than a rebuild scans without an index: the retitle and the learner change at the
    // end of the log build the index serving their update first.
    const many = Array.from({ length: 1200 }, (_, i) => `9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b${i.toString(16).padStart(4, '0')}`);
    const log = await seededLog(many);
    const { eventStore } = log;
    const live = new SqliteReadStore(join(dir, 'live.sqlite'));
    const storeFile = join(dir, 'fresh.sqlite');
    const fresh = new SqliteReadStore(storeFile, { rebuild: true });
    try {
      await (await replayedBothWays(log, live, fresh, storeFile)).partitionsRemoved;
      for (const projection of allProjections) expect(await compareProjection(projection, fresh, live)).toEqual([]);
      const retitled = await fresh.find('registrations', { EventIdentifier: EVENTS[0] });
      expect(retitled.length).toBeGreaterThan(100);
      expect(retitled.every((row) => row.EventTitle === 'South Hall / Chemistry' && row.LearnerName === 'Ada Lovelace')).toBe(true);
    } finally {
      await live.close();
      await fresh.close();
      await eventStore.close();
    }
  });

  it('has the first worker read, of the other partitions\' streams, the events the other projections declare, or every event when one declares none', () => {
    const [part] = partitionsOf(registrationsProjection, 2);
    const declaring: Projection = { name: 'declaring', collections: [], eventTypes: ['ExamScheduled', 'RegistrationRequested'], project: async () => [] };
    const alsoDeclaring: Projection = { ...declaring, name: 'alsoDeclaring', eventTypes: ['RegistrationRequested', 'RegistrationCancelled'] };
    const undeclared: Projection = { name: 'undeclared', collections: [], project: async () => [] };
    expect(readFor(part, [])).toEqual(part);
    expect(readFor(part, [declaring, alsoDeclaring])).toEqual({ ...part, alsoTypes: ['ExamScheduled', 'RegistrationRequested', 'RegistrationCancelled'] });
    const everything = readFor(part, [declaring, undeclared]);
    expect(REGISTRATIONS.every((id) => replays(everything)(`registration-${id}`))).toBe(true);
    expect(REGISTRATIONS.every((id) => replays(part)(`registration-${id}`))).toBe(false);
  });

  it('replays a part in batches read a chunk at a time, up to a target inside a chunk, as one replay does', async () => {
    const { raw, eventStore } = await seededLog();
    // Short of the head: the last learner change is left out, though the chunk (of 4, starting
    // at multiples of 4 here) that reads up to the target reads it too.
    const target = (await raw.headPosition())! - 1n;
    expect(target % 4n).not.toBe(0n);
    const specs = allProjections.flatMap((p) => p.collections);
    const one = new SqliteReadStore(join(dir, 'one.sqlite'), { rebuild: true });
    const chunked = new SqliteReadStore(join(dir, 'chunked.sqlite'), { rebuild: true });
    const whole = { streamPrefix: 'registration-', buckets: [0, 16] as const };
    try {
      await one.ensureCollections(specs);
      await catchUp(eventStore, one, allProjections, target);
      await chunked.ensureCollections(specs);
      await replayPart(raw, chunked, allProjections, whole, target, { batch: 7, chunk: 4 });
      for (const projection of allProjections) {
        expect(await compareProjection(projection, chunked, one)).toEqual([]);
        expect(await chunked.getCheckpoint(projection.name)).toBe(target);
      }
      expect((await chunked.find('registrations', { LearnerName: 'Ada' })).length).toBe(REGISTRATIONS.length - 5);
    } finally {
      await one.close();
      await chunked.close();
      await eventStore.close();
    }
  });

  it('replays a part in batches of PARTITION_BATCH positions (catchUp keeps smaller ones)', async () => {
    const raw = new SqliteEventStore(join(dir, 'events.sqlite'));
    const venues = Array.from({ length: BATCH + 5 }, (_, i) => event('VenueDefined', { Organization: ORG, VenueId: `v${i}`, Name: 'North Hall', TimeZone: 'UTC' }));
    await raw.append(`venues-${ORG}`, venues, 'any');
    const committed: bigint[] = [];
    const store = { runBatch: async (_: unknown, work: (session: unknown) => Promise<bigint>) => void committed.push(await work({ apply: async () => undefined })) };
    const counting: Projection = { name: 'counting', collections: [], project: () => [] };
    try {
      await replayPart(raw, store as unknown as SqliteReadStore, [counting], { streamPrefix: 'registration-', buckets: [0, 16] }, BigInt(venues.length));
      expect(PARTITION_BATCH).toBeGreaterThan(BATCH);
      expect(committed).toEqual([BigInt(venues.length)]);
    } finally {
      await raw.close();
    }
  });

  it('stands at the head, as one replay does, when the target lies past it (and at no position on an empty log)', async () => {
    const { eventsFile, raw, eventStore } = await seededLog();
    const emptyFile = join(dir, 'empty.sqlite');
    const empty = new SqliteEventStore(emptyFile);
    const specs = allProjections.flatMap((p) => p.collections);
    const [seeded, nothing] = ['seeded', 'empty'].map((name) => {
      const file = join(dir, `${name}.read.sqlite`);
      return { file, store: new SqliteReadStore(file, { rebuild: true }) };
    });
    try {
      const head = (await raw.headPosition())!;
      for (const { store } of [seeded, nothing]) await store.ensureCollections(specs);
      await rebuildInParallel({ eventStore, eventsFile, store: seeded.store, storeFile: seeded.file, projections: allProjections, target: head + 10n, threads: 2 });
      await rebuildInParallel({ eventStore: empty, eventsFile: emptyFile, store: nothing.store, storeFile: nothing.file, projections: allProjections, target: 10n, threads: 2 });
      for (const projection of allProjections) {
        expect(await seeded.store.getCheckpoint(projection.name)).toBe(head);
        expect(await nothing.store.getCheckpoint(projection.name)).toBeNull();
      }
      expect((await seeded.store.find('registrations', {})).length).toBe(REGISTRATIONS.length - 5);
    } finally {
      await seeded.store.close();
      await nothing.store.close();
      await empty.close();
      await eventStore.close();
    }
  });

  it('fails as soon as a worker fails, while this thread is still in its replay', async () => {
    const { eventsFile, raw } = await seededLog();
    const storeFile = join(dir, 'read.sqlite');
    const store = new SqliteReadStore(storeFile, { rebuild: true });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The worker finds no projection of this name (it finds the service's own by name), and fails as
    // it starts. This thread's replay holds at its first event until the rebuild has failed (before, it never would).
    const unknown: Projection = { ...registrationsProjection, name: 'registrations-unknown', project: () => gate.then(() => []) };
    try {
      await store.ensureCollections(unknown.collections);
      const head = await raw.headPosition();
      const rebuild = rebuildInParallel({ eventStore: raw, eventsFile, store, storeFile, projections: [unknown], target: head, threads: 2 });
      await expect(rebuild).rejects.toThrow('No projection named "registrations-unknown" to replay on a worker thread');
      expect(readdirSync(dir).filter((name) => name.includes('partition'))).toEqual([]);
    } finally {
      release();
      // Waits for this thread's replay to end.
      await store.close();
      await raw.close();
    }
    // It stopped at its next read, its batch rolled back: nothing was recorded.
    const after = new SqliteReadStore(storeFile);
    try {
      expect(await after.getCheckpoint(unknown.name)).toBeNull();
      expect(await after.count(RegistrationCollections.registrations.name, {})).toBe(0);
    } finally {
      await after.close();
    }
  });

  it('stops when its signal aborts (an operator’s Ctrl-C) while a worker is under way, with the abort’s reason, and removes the workers’ files', async () => {
    const { eventsFile, raw } = await seededLog();
    const storeFile = join(dir, 'read.sqlite');
    const store = new SqliteReadStore(storeFile, { rebuild: true });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atFirstEvent = new Promise<void>((resolve) => (reached = resolve));
    // Holds this thread's replay at its first event, so the abort comes while it is under way (the
    // worker replays the service's projection of that name).
    const held: Projection = { ...registrationsProjection, project: () => (reached(), gate.then(() => [])) };
    const operator = new AbortController();
    const reason = new Error('stopped by the operator');
    try {
      await store.ensureCollections(registrationsProjection.collections);
      const head = await raw.headPosition();
      const rebuild = rebuildInParallel({ eventStore: raw, eventsFile, store, storeFile, projections: [held], target: head, threads: 2, signal: operator.signal });
      await atFirstEvent;
      // The worker is under way too: its partition file exists.
      for (let waited = 0; !existsSync(`${storeFile}.partition-1`); waited += 10) {
        if (waited > 10_000) throw new Error('the worker never made its partition file');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      operator.abort(reason);
      await expect(rebuild).rejects.toBe(reason);
      expect(readdirSync(dir).filter((name) => name.includes('partition'))).toEqual([]);
    } finally {
      release();
      await store.close();
      await raw.close();
    }
  });

  it('replays on this thread alone when asked for one thread, or when no projection is partitioned', async () => {
    const { raw } = await seededLog();
    const storeFile = join(dir, 'read.sqlite');
    const store = new SqliteReadStore(storeFile, { rebuild: true });
    const others = allProjections.filter((p) => p !== registrationsProjection);
    try {
      await store.ensureCollections(allProjections.flatMap((p) => p.collections));
      const head = await raw.headPosition();
      await rebuildInParallel({ eventStore: raw, eventsFile: join(dir, 'missing.sqlite'), store, storeFile, projections: others, target: head, threads: 2 });
      await rebuildInParallel({ eventStore: raw, eventsFile: join(dir, 'missing.sqlite'), store, storeFile, projections: [registrationsProjection], target: head, threads: 1 });
      expect((await store.find('registrations', {})).length).toBe(REGISTRATIONS.length - 5);
      expect(readdirSync(dir).sort()).toEqual(['events.sqlite', 'events.sqlite-shm', 'events.sqlite-wal', 'read.sqlite']);
    } finally {
      await store.close();
      await raw.close();
    }
  });
});
