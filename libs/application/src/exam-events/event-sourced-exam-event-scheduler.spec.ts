import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ReadStreamOptions, StoredEvent } from '../../../event-store/src/event-store.js';
import { ForwardingEventStore } from '../../../event-store/src/forwarding-event-store.js';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import type { CatalogQueries } from '../../../read-model/src/catalog/catalog.queries.js';
import type { CommandContext } from '../event-sourcing/command-context.js';
import { EventSourcedStreams } from '../event-sourcing/event-sourced-streams.js';
import { EventSourcedExamEventScheduler } from './event-sourced-exam-event-scheduler.js';

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
