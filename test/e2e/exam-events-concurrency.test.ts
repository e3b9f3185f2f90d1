import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens.js';
import { EventSourcedStreams } from '../../libs/application/src/event-sourcing/event-sourced-streams.js';
import { EventSourcedExamEventScheduler } from '../../libs/application/src/exam-events/event-sourced-exam-event-scheduler.js';
import { ExamEventScheduler } from '../../libs/application/src/exam-events/exam-event-scheduler.js';
import { ReadYourWrites } from '../../libs/application/src/read-your-writes.js';
import type { EventStore } from '../../libs/event-store/src/event-store.js';
import { CatalogQueries } from '../../libs/read-model/src/catalog/catalog.queries.js';
import { newId, TestApp } from '../support/test-app.js';

const YEAR = new Date().getUTCFullYear() + 2;
const DAY = `${YEAR}-05-04`;

/**
 * Uniqueness under concurrency (spec §3, §4): event numbers and one shared event per slot are
 * enforced by the schedule stream's expected revision. Extra scheduler instances over the same
 * stores stand for other API processes: each has its own cache and its own in-process lock, so
 * their races are settled by the event store alone.
 */
describe('exam events under concurrency', () => {
  let app: TestApp;
  let eventStore: EventStore;
  let schedulers: ExamEventScheduler[];

  beforeAll(async () => {
    app = await TestApp.start();
    eventStore = app.app.get<EventStore>(EVENT_STORE);
    const otherProcess = () =>
      new EventSourcedExamEventScheduler(eventStore, app.app.get(EventSourcedStreams), app.app.get(CatalogQueries));
    schedulers = [app.app.get(ExamEventScheduler), otherProcess(), otherProcess(), otherProcess()];
  });
  afterAll(() => app.close());

  /** The schedulers do not wait for the read models; a command handler would before it answers. */
  async function projectedFor(org: string, refs: ReadonlyArray<{ position: bigint | null }>): Promise<void> {
    for (const ref of refs) await app.app.get(ReadYourWrites).waitFor(ref.position, org);
  }

  async function organization() {
    const org = newId();
    const token = await app.token(org);
    const venue = newId();
    await app.request('PUT', `/api/venues/${venue}`, { token, body: { Name: 'North Hall', TimeZone: 'America/Vancouver' } });
    await app.request('PUT', '/api/billing-codes/FEE', { token, body: { Duration: 120 } });
    const context = () => ({ organization: org, actor: 'tester', correlationId: newId(), now: new Date() });
    const list = async () => (await app.request('GET', `/api/events/list-events?date=${DAY}`, { token })).body as any[];
    return { org, token, venue, context, list, projected: (refs: ReadonlyArray<{ position: bigint | null }>) => projectedFor(org, refs) };
  }

  it('20 concurrent find-or-create calls for one slot end up in ONE event', async () => {
    const { venue, context, list, projected } = await organization();
    const slot = (second: number) => ({
      venueId: venue,
      // Any second of the same minute is the same slot.
      start: `${DAY}T09:00:${String(second).padStart(2, '0')}-07:00`,
      examType: 'Class',
      format: 'Paper',
      billingCode: 'FEE',
    });
    const refs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => schedulers[i % schedulers.length].findOrCreate(context(), slot(i))),
    );
    expect(new Set(refs.map((r) => r.eventId)).size).toBe(1);
    await projected(refs);
    expect(refs.filter((r) => r.created)).toHaveLength(1);
    expect(refs.map((r) => r.number)).toEqual(Array(20).fill(1));
    const events = await list();
    expect(events.map((e) => [e.EventIdentifier, e.EventNumber])).toEqual([[refs[0].eventId, 1]]);
  });

  it('gives 20 concurrent POSTs distinct consecutive numbers 1..20', async () => {
    const { token, venue, list } = await organization();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        app.request('POST', `/api/events/${newId()}`, {
          token,
          body: {
            EventVenue: venue,
            EventStart: `${DAY}T10:00:00-07:00`,
            EventExamType: 'Test',
            EventExamFormat: 'Online',
            EventBillingCode: 'FEE',
          },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    const numbers = (await list()).map((e) => e.EventNumber).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('leaves no gap in the numbers of an organization that lost a race for a new event id to another organization', async () => {
    // Two organizations POST the same new id at once: one gets 201, the other 409, and the
    // loser's next event is still its number 1 (spec §3: no gaps; §1: a refused command appends nothing).
    const [a, b] = [await organization(), await organization()];
    const post = (tenant: typeof a, id: string, hour: number) =>
      app.request('POST', `/api/events/${id}`, {
        token: tenant.token,
        body: { EventVenue: tenant.venue, EventStart: `${DAY}T${hour}:00:00-07:00`, EventExamType: 'Test', EventExamFormat: 'Online', EventBillingCode: 'FEE' },
      });
    for (let round = 0; round < 8; round++) {
      const id = newId();
      const statuses = (await Promise.all([post(a, id, 12), post(b, id, 12)])).map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409]);
    }
    for (const tenant of [a, b]) expect((await post(tenant, newId(), 13)).status).toBe(201);
    // The eight won events shared out between the two, plus one each, numbered 1..n in each organization.
    const numbers = await Promise.all([a, b].map(async (tenant) => (await tenant.list()).map((e) => e.EventNumber).sort((x, y) => x - y)));
    expect(numbers.flat()).toHaveLength(10);
    for (const own of numbers) expect(own).toEqual(Array.from({ length: own.length }, (_, i) => i + 1));
  });

  it('numbers events created concurrently by several processes without gaps or duplicates', async () => {
    const { venue, context, list, projected } = await organization();
    const refs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        schedulers[i % schedulers.length].create(
          context(),
          { venueId: venue, start: `${DAY}T11:${String(i).padStart(2, '0')}:00-07:00`, examType: 'Individual (N)', format: 'Paper', billingCode: 'FEE' },
          { shared: false, forRegistration: newId() },
        ),
      ),
    );
    expect(refs.map((r) => r.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await projected(refs);
    expect((await list()).map((e) => e.EventNumber).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('never shares an Individual event, even for the same slot', async () => {
    const { venue, context } = await organization();
    const slot = { venueId: venue, start: `${DAY}T12:00:00-07:00`, examType: 'Individual (A)', format: 'Paper', billingCode: 'FEE' };
    const [a, b] = await Promise.all([
      schedulers[0].create(context(), slot, { shared: false, forRegistration: newId() }),
      schedulers[1].create(context(), slot, { shared: false, forRegistration: newId() }),
    ]);
    expect(a.eventId).not.toBe(b.eventId);
    expect(await schedulers[2].findShared(context(), venue, slot.start)).toBeNull();
  });

  describe('recovery of a creator or canceller that stopped between its two appends', () => {
    /** When the stopped request decided: what it left is completed as its own fact, caused by the completing request. */
    const STOPPED_AT = '2026-01-02T03:04:05.000Z';
    const onBehalfOfStopped = (actor: string, completing: string[]) => ({
      actor,
      correlationId: 'crash',
      occurredAt: STOPPED_AT,
      causationId: expect.stringMatching(new RegExp(`^(${completing.join('|')})$`)),
      // When the completing request wrote it (its own time, not the stopped request's).
      completedAt: expect.stringMatching(new RegExp(`^(?!${STOPPED_AT})\\d{4}-\\d\\d-\\d\\dT`)),
    });
    /** What a creator killed between its two appends leaves: event number 1 in the schedule, no `ExamScheduled`. */
    async function numberedOnly({ org, venue, eventId, hourUtc, examType }: { org: string; venue: string; eventId: string; hourUtc: number; examType: string }) {
      const details = {
        EventId: eventId,
        Organization: org,
        Number: 1,
        Venue: venue,
        VenueName: 'North Hall',
        VenueTimeZone: 'America/Vancouver',
        Start: `${DAY}T${hourUtc}:00:00.000Z`,
        End: `${DAY}T${hourUtc + 2}:00:00.000Z`,
        DurationMinutes: 120,
        ExamType: examType,
        Format: 'Paper',
        BillingCode: 'FEE',
        RegistrationLimit: null,
        Source: 'API',
        Title: 'North Hall / No Exam',
        Status: 'Scheduled',
      };
      const metadata = { organization: org, actor: 'stopped-creator', occurredAt: STOPPED_AT, correlationId: 'crash', causationId: null, schemaVersion: 1 };
      const shared = !examType.startsWith('Individual');
      const assigned = { EventId: eventId, Number: 1, Venue: venue, StartMinute: `${DAY}T${hourUtc}:00Z`, Shared: shared, Details: details };
      await eventStore.append(`examSchedule-${org}`, [{ type: 'ExamEventNumberAssigned', data: assigned, metadata }], 'no_stream');
    }

    it('completes an event the schedule committed but whose ExamScheduled was never written', async () => {
      const { org, venue, context, list, projected } = await organization();
      const eventId = newId();
      await numberedOnly({ org, venue, eventId, hourUtc: 20, examType: 'Class' });
      expect(await eventStore.readStream(`examEvent-${eventId}`)).toEqual([]);

      const slot = { venueId: venue, start: `${DAY}T13:00:00-07:00`, examType: 'Class', format: 'Paper', billingCode: 'FEE' };
      const contexts = [context(), context()];
      const refs = await Promise.all([schedulers[0].findOrCreate(contexts[0], slot), schedulers[1].findOrCreate(contexts[1], slot)]);
      expect(refs.map((r) => [r.eventId, r.created])).toEqual([
        [eventId, false],
        [eventId, false],
      ]);
      const written = await eventStore.readStream(`examEvent-${eventId}`);
      expect(written.map((e) => e.type)).toEqual(['ExamScheduled']);
      expect(written[0].metadata).toMatchObject(onBehalfOfStopped('stopped-creator', contexts.map((c) => c.correlationId)));
      await projected(refs);
      expect((await list()).map((e) => [e.EventIdentifier, e.EventNumber])).toContainEqual([eventId, 1]);
    });

    it('completes an Individual event whose creator stopped, which nothing joins, at the organization’s next creation', async () => {
      // A process killed between the two appends of an Individual creation left its number a gap for good.
      const { org, venue, context, list, projected } = await organization();
      const orphan = newId();
      await numberedOnly({ org, venue, eventId: orphan, hourUtc: 21, examType: 'Individual (N)' });

      const completing = context();
      const next = await schedulers[2].create(
        completing,
        { venueId: venue, start: `${DAY}T15:00:00-07:00`, examType: 'Individual (N)', format: 'Paper', billingCode: 'FEE' },
        { shared: false, forRegistration: newId() },
      );
      expect(next.number).toBe(2);
      const written = await eventStore.readStream(`examEvent-${orphan}`);
      expect(written.map((e) => [e.type, e.data.Number])).toEqual([['ExamScheduled', 1]]);
      expect(written[0].metadata).toMatchObject(onBehalfOfStopped('stopped-creator', [completing.correlationId]));
      await projected([next]);
      await app.app.get(ReadYourWrites).waitFor((await eventStore.readStream(`examEvent-${orphan}`))[0].position, org);
      expect((await list()).map((e) => e.EventNumber).sort()).toEqual([1, 2]);
    });

    it('releases the slot of an event found cancelled, then creates a new one', async () => {
      const { org, venue, context } = await organization();
      const first = await schedulers[0].findOrCreate(context(), {
        venueId: venue,
        start: `${DAY}T14:00:00-07:00`,
        examType: 'Sitting',
        format: 'Online',
        billingCode: 'FEE',
      });
      // The canceller wrote ExamEventCancelled and stopped before releasing the slot.
      await eventStore.append(
        `examEvent-${first.eventId}`,
        [
          {
            type: 'ExamEventCancelled',
            data: { EventId: first.eventId, Reason: null, Automatic: false },
            metadata: { organization: org, actor: 'canceller', occurredAt: STOPPED_AT, correlationId: 'crash', causationId: null, schemaVersion: 1 },
          },
        ],
        0n,
      );
      const completing = context();
      const next = await schedulers[1].findOrCreate(completing, {
        venueId: venue,
        start: `${DAY}T14:00:00-07:00`,
        examType: 'Sitting',
        format: 'Online',
        billingCode: 'FEE',
      });
      expect(next).toMatchObject({ number: 2, created: true });
      const schedule = await eventStore.readStream(`examSchedule-${org}`);
      expect(schedule.map((e) => [e.type, e.data.EventId])).toEqual([
        ['ExamEventNumberAssigned', first.eventId],
        ['ExamSlotReleased', first.eventId],
        ['ExamEventNumberAssigned', next.eventId],
      ]);
      expect(schedule[1].metadata).toMatchObject(onBehalfOfStopped('canceller', [completing.correlationId]));
      expect(schedule[2].metadata).toMatchObject({ actor: 'tester', correlationId: completing.correlationId });
    });
  });
});
