import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ReadStreamOptions, StoredEvent } from '../../../event-store/src/event-store.js';
import { ForwardingEventStore } from '../../../event-store/src/forwarding-event-store.js';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import type { CatalogQueries } from '../../../read-model/src/catalog/catalog.queries.js';
import type { CommandContext } from '../event-sourcing/command-context.js';
import { EventSourcedStreams } from '../event-sourcing/event-sourced-streams.js';
import { EventSourcedExamEventScheduler } from './event-sourced-exam-event-scheduler.js';
import { ExamScheduleCache } from './exam-schedule-cache.js';

const ORG = '0b7c6a52-54b5-4e4f-9a55-0c1c1f0f2a01';
const VENUE = '5e0f7d1c-9a6b-4c3e-8d2f-1b0a9c8e7f04';
const EVENT = '7d1c5e0f-9a6b-4c3e-8d2f-1b0a9c8e7f05';
const START = '2030-03-01T09:00:00-08:00';
const context: CommandContext = { organization: ORG, actor: 'alice', correlationId: 'req-1', now: new Date('2026-01-01T00:00:00Z') };
const catalog = {
  get: async (kind: string) => (kind === 'venues' ? { Name: 'North Hall', TimeZone: 'America/Vancouver' } : { ExamDuration: 180 }),
} as unknown as CatalogQueries;

/** Counts the reads of exam event streams that reach the store. */
class CountingReads extends ForwardingEventStore {
  eventReads = 0;
  override readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    if (streamId.startsWith('examEvent-')) this.eventReads++;
    return super.readStream(streamId, options);
  }
}

describe('attachForm with the event findShared answered', () => {
  let store: CountingReads;
  let scheduler: EventSourcedExamEventScheduler;

  beforeEach(async () => {
    store = new CountingReads(new SqliteEventStore(':memory:'));
    scheduler = new EventSourcedExamEventScheduler(store, new EventSourcedStreams(store), catalog);
    await scheduler.schedule(context, { eventId: EVENT, venueId: VENUE, start: START, examType: 'Class', format: 'Paper', billingCode: 'FEE', registrationLimit: null });
  });
  afterEach(() => store.close());

  const formsOf = async () =>
    (await store.readStream(`examEvent-${EVENT}`)).filter((event) => event.type === 'ExamFormAttached').map((event) => event.data.FormId);

  it('decides on the read findShared made instead of reading the event again', async () => {
    const found = (await scheduler.findShared(context, VENUE, START))!;
    store.eventReads = 0;
    expect(await scheduler.attachForm(context, found, { id: 'form-1', title: 'Math' })).not.toBeNull();
    expect(store.eventReads).toBe(0);
    expect(await scheduler.attachForm(context, found.eventId, { id: 'form-1', title: 'Math' })).toBeNull();
    expect(store.eventReads).toBe(1);
    expect(await formsOf()).toEqual(['form-1']);
  });

  it('attaches on a fresh read when the event changed since findShared read it', async () => {
    const found = (await scheduler.findShared(context, VENUE, START))!;
    const other = new EventSourcedExamEventScheduler(store, new EventSourcedStreams(store), catalog);
    await other.attachForm(context, EVENT, { id: 'form-1', title: 'Math' });
    // Stale: the read knows neither form. Attaching the one already there appends nothing.
    await scheduler.attachForm(context, found, { id: 'form-2', title: 'Physics' });
    expect(await scheduler.attachForm(context, found, { id: 'form-1', title: 'Math' })).toBeNull();
    expect(await formsOf()).toEqual(['form-1', 'form-2']);
    const titles = (await store.readStream(`examEvent-${EVENT}`)).filter((event) => event.type === 'ExamEventRetitled').map((event) => event.data.Title);
    // Decided on the stale read, it would have been titled after Physics alone.
    expect(titles.at(-1)).toBe('North Hall / Various');
  });
});

/**
 * Records the schedule reads that reach the store. `hold` keeps the next one's answer until
 * released; `failNext` makes the next one fail.
 */
class ScheduleReads extends ForwardingEventStore {
  readonly fromRevisions: bigint[] = [];
  failNext = false;
  private held: Promise<void> | null = null;

  hold(): () => void {
    let release!: () => void;
    this.held = new Promise((resolve) => (release = resolve));
    return release;
  }

  override async readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    if (!streamId.startsWith('examSchedule-')) return super.readStream(streamId, options);
    this.fromRevisions.push(options?.fromRevision ?? 0n);
    const held = this.held;
    this.held = null;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk gone');
    }
    const answer = await super.readStream(streamId, options);
    if (held) await held;
    return answer;
  }
}

describe('ExamScheduleCache', () => {
  let store: ScheduleReads;
  let scheduler: EventSourcedExamEventScheduler;
  let scheduled = 0;
  const scheduleOne = () =>
    scheduler.schedule(context, {
      eventId: `7d1c5e0f-9a6b-4c3e-8d2f-${String(++scheduled).padStart(12, '0')}`,
      venueId: VENUE,
      start: `2030-03-${String(scheduled).padStart(2, '0')}T09:00:00-08:00`,
      examType: 'Class',
      format: 'Paper',
      billingCode: 'FEE',
      registrationLimit: null,
    });

  beforeEach(async () => {
    store = new ScheduleReads(new SqliteEventStore(':memory:'));
    scheduler = new EventSourcedExamEventScheduler(store, new EventSourcedStreams(store), catalog);
    scheduled = 0;
    for (let i = 0; i < 3; i++) await scheduleOne();
    store.fromRevisions.length = 0;
  });
  afterEach(() => store.close());

  /** The schedule's last revision, read without being recorded. */
  async function lastRevision(): Promise<bigint> {
    const last = (await store.readStream(`examSchedule-${ORG}`)).at(-1)!.revision;
    store.fromRevisions.pop();
    return last;
  }

  it('reads a cold schedule once for concurrent loads, the others only what came after', async () => {
    const last = await lastRevision();
    const cache = new ExamScheduleCache(store);
    const loads = await Promise.all(Array.from({ length: 8 }, () => cache.load(ORG)));
    expect(loads.map((loaded) => loaded.revision)).toEqual(Array(8).fill(last));
    expect(store.fromRevisions.filter((from) => from === 0n)).toHaveLength(1);
    expect(store.fromRevisions.slice(1)).toEqual(Array(7).fill(last + 1n));
  });

  it('folds a cold schedule a page at a time, the whole of it', async () => {
    const last = await lastRevision();
    const whole = await new ExamScheduleCache(store).load(ORG);
    const paged = await new ExamScheduleCache(store, 2).load(ORG);
    expect(paged).toEqual(whole);
    expect(paged.revision).toBe(last);
    expect(store.fromRevisions).toEqual([0n, 0n, 2n]);
  });

  it('gives a load that arrives during a read every event appended before it', async () => {
    const cache = new ExamScheduleCache(store);
    const release = store.hold();
    const first = cache.load(ORG);
    await scheduleOne();
    const second = cache.load(ORG);
    release();
    const last = await lastRevision();
    expect((await first).revision).toBeLessThan(last);
    expect((await second).revision).toBe(last);
  });

  describe('its budget of schedule events', () => {
    const ORG_B = '0b7c6a52-54b5-4e4f-9a55-0c1c1f0f2a02';
    const ORG_C = '0b7c6a52-54b5-4e4f-9a55-0c1c1f0f2a03';
    /** Three events in each other organization's schedule, as ORG has. */
    async function threeEachInBAndC(): Promise<void> {
      for (const organization of [ORG_B, ORG_C]) {
        for (let i = 1; i <= 3; i++) {
          await scheduler.schedule({ ...context, organization }, {
            eventId: `7d1c5e0f-9a6b-4c3e-8d2f-${organization.slice(-4)}${String(i).padStart(8, '0')}`,
            venueId: VENUE,
            start: `2030-04-0${i}T09:00:00-08:00`,
            examType: 'Class',
            format: 'Paper',
            billingCode: 'FEE',
            registrationLimit: null,
          });
        }
      }
      store.fromRevisions.length = 0;
    }

    it('drops the organizations served least recently once it holds more, and reads them again whole', async () => {
      await threeEachInBAndC();
      const last = await lastRevision();
      expect(last).toBe(2n);
      const cache = new ExamScheduleCache(store, 1000, 6);
      const first = await cache.load(ORG);
      await cache.load(ORG_B);
      await cache.load(ORG);
      // Nine events: B, served least recently, goes; ORG stays.
      await cache.load(ORG_C);
      expect(store.fromRevisions).toEqual([0n, 0n, 3n, 0n]);
      store.fromRevisions.length = 0;
      expect(await cache.load(ORG)).toEqual(first);
      await cache.load(ORG_B);
      expect(store.fromRevisions).toEqual([3n, 0n]);
    });

    it('keeps the schedule just served even when it alone is larger', async () => {
      const cache = new ExamScheduleCache(store, 1000, 2);
      const whole = await cache.load(ORG);
      expect(await cache.load(ORG)).toEqual(whole);
      expect(store.fromRevisions).toEqual([0n, 3n]);
    });
  });

  it('answers a load that waited for a read that failed, and the next ones', async () => {
    const cache = new ExamScheduleCache(store);
    store.failNext = true;
    const [failed, waited] = await Promise.allSettled([cache.load(ORG), cache.load(ORG)]);
    expect(failed).toMatchObject({ status: 'rejected', reason: new Error('disk gone') });
    const last = await lastRevision();
    expect(waited).toMatchObject({ status: 'fulfilled', value: { revision: last } });
    expect((await cache.load(ORG)).revision).toBe(last);
  });
});

describe('the automatic cancellation of an Individual event', () => {
  let store: ScheduleReads;
  let scheduler: EventSourcedExamEventScheduler;

  beforeEach(() => {
    store = new ScheduleReads(new SqliteEventStore(':memory:'));
    scheduler = new EventSourcedExamEventScheduler(store, new EventSourcedStreams(store), catalog);
  });
  afterEach(() => store.close());

  it('frees no slot (it holds none), and done already, appends nothing but gives its position to wait for', async () => {
    const request = { venueId: VENUE, start: START, examType: 'Individual', format: 'Paper', billingCode: 'FEE' };
    const { eventId } = await scheduler.create(context, request, { shared: false, forRegistration: 'r1' });
    store.fromRevisions.length = 0;
    const first = await scheduler.cancelAutomatically(context, eventId);
    const head = await store.headPosition();
    // Another (the left-events reactor) did it first: a command waits for that cancellation.
    expect(await scheduler.cancelAutomatically(context, eventId)).toBe(first);
    expect(first).toBe(head);
    expect(await store.headPosition()).toBe(head);
    expect(store.fromRevisions).toEqual([]);
  });

  it('is possible because an Individual event records the registration it was created for, a shared one none', async () => {
    const request = { venueId: VENUE, start: START, format: 'Paper', billingCode: 'FEE' };
    const individual = await scheduler.create(context, { ...request, examType: 'Individual (N)' }, { shared: false, forRegistration: 'r1' });
    const shared = await scheduler.create(context, { ...request, examType: 'Sitting' }, { shared: true });
    const log = (await store.readAll({ limit: 100 })).filter((e) => e.type === 'ExamEventNumberAssigned' || e.type === 'ExamScheduled');
    const createdFor = (eventId: string) =>
      log.filter((e) => e.data.EventId === eventId).map((e) => (e.type === 'ExamScheduled' ? e.data : (e.data.Details as Record<string, unknown>)).ForRegistration);
    expect(createdFor(individual.eventId)).toEqual(['r1', 'r1']);
    expect(createdFor(shared.eventId)).toEqual([undefined, undefined]);
  });
});
