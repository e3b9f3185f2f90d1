import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { NewEvent } from '../../../event-store/src/event-store.js';
import { SqliteEventStore } from '../../../event-store/src/sqlite-event-store.js';
import { UnknownEventTypeError } from '../../../domain/src/shared/decider.js';
import { DomainError } from '../../../domain/src/shared/domain-error.js';
import { UpcasterRegistry, UpcastingEventStore } from '../../../event-store/src/upcasting-event-store.js';
import type { CommandContext } from '../event-sourcing/command-context.js';
import { CREATION_GRACE_MS, LeftEventsReactor } from './left-events.reactor.js';
import type { ExamEventScheduler } from '../exam-events/exam-event-scheduler.js';

const metadata = { organization: 'org', actor: 'alice', correlationId: 'req-1', causationId: null, occurredAt: '2026-03-01T17:00:00.000Z', schemaVersion: 1 };
const event = (type: string, data: Record<string, unknown>): NewEvent => ({ type, data, metadata });
const cancelled = (registration: string, eventId: string) => event('RegistrationCancelled', { RegistrationId: registration, EventId: eventId, Reason: null });
/** The schedule's creation of an Individual event, for a registration (register-lax, transfer-lax) or none (POST /api/events). */
const created = (eventId: string, forRegistration: string | undefined, occurredAt = metadata.occurredAt): NewEvent => ({
  type: 'ExamEventNumberAssigned',
  data: {
    EventId: eventId,
    Number: 1,
    Shared: false,
    Details: { EventId: eventId, ExamType: 'Individual (N)', ...(forRegistration !== undefined && { ForRegistration: forRegistration }) },
  },
  metadata: { ...metadata, occurredAt },
});

/**
 * The exam events the reactor cancelled, in order. Every event is Individual and scheduled except
 * those named in `shared` and `cancelled`.
 */
class RecordedLeaving {
  readonly left: string[] = [];
  readonly shared = new Set<string>();
  readonly cancelled = new Set<string>();
  /** The holds the reactor took and released, in order (and the stream reads, where a test records them). */
  readonly steps: string[] = [];
  readonly scheduler = {
    holdForCancelling: async (eventId: string) => {
      this.steps.push(`hold ${eventId}`);
      return () => this.steps.push(`release ${eventId}`);
    },
    get: async (_context: CommandContext, eventId: string) => ({
      eventId,
      examType: this.shared.has(eventId) ? 'Sitting' : 'Individual',
      cancelled: this.cancelled.has(eventId),
    }),
    cancelAutomatically: async (_context: CommandContext, eventId: string) => {
      this.left.push(eventId);
      this.cancelled.add(eventId);
      return 1n;
    },
  } as unknown as ExamEventScheduler;
}

/**
 * Runs `scenario` with the reactor started as the API starts it, on fake timers, after its start-up
 * pass; `advance` moves the clock and lets the passes the timers started run to their end.
 */
async function onItsOwn(reactor: LeftEventsReactor, scenario: (advance: (ms: number) => Promise<void>) => Promise<void>): Promise<void> {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask', 'nextTick'] });
  const advance = async (ms: number) => {
    await jest.advanceTimersByTimeAsync(ms);
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  try {
    reactor.onApplicationBootstrap();
    await advance(0);
    await scenario(advance);
  } finally {
    await reactor.beforeApplicationShutdown();
    jest.useRealTimers();
  }
}

describe('LeftEventsReactor', () => {
  let store: SqliteEventStore;
  let recorded: RecordedLeaving;
  let reactor: LeftEventsReactor;

  beforeEach(() => {
    store = new SqliteEventStore(':memory:');
    recorded = new RecordedLeaving();
    reactor = new LeftEventsReactor(store, recorded.scheduler);
  });
  afterEach(() => store.close());

  it('acts on the event each leaving registration event names, in log order, and on nothing else', async () => {
    await reactor.catchUp(); // on the empty log: followed from its beginning
    await store.append('registration-1', [event('RegistrationRequested', { RegistrationId: '1', EventId: 'e1' }), cancelled('1', 'e1')], 'no_stream');
    await store.append('registration-2', [event('RegistrationTransferred', { RegistrationId: '2', FromEventId: 'e2', ToEventId: 'e3' })], 'no_stream');
    await store.append('registration-3', [event('RegistrationDeleted', { RegistrationId: '3', EventId: 'e4' })], 'no_stream');
    await reactor.catchUp();
    expect(recorded.left).toEqual(['e1', 'e2', 'e4']);
    expect(await store.loadCheckpoint('left-individual-events')).toBe(await store.headPosition());

    await reactor.catchUp();
    expect(recorded.left).toEqual(['e1', 'e2', 'e4']);
  });

  it('cancels only an Individual event still scheduled: not a shared one, not one cancelled already', async () => {
    await reactor.catchUp();
    recorded.shared.add('shared');
    recorded.cancelled.add('done');
    await store.append('registration-1', [cancelled('1', 'shared'), cancelled('1', 'done'), cancelled('1', 'left')], 'no_stream');
    await reactor.catchUp();
    expect(recorded.left).toEqual(['left']);
  });

  it('passes over an event it cannot act on, and stops at one it could not act on yet, to try it again', async () => {
    await reactor.catchUp();
    const get = recorded.scheduler.get.bind(recorded.scheduler);
    let diskFull = true;
    recorded.scheduler.get = async (context, eventId) => {
      if (eventId === 'newer') throw new UnknownEventTypeError('ExamEventRescheduled');
      if (eventId === 'refused') throw DomainError.conflict('refused');
      if (eventId === 'full' && diskFull) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return get(context, eventId);
    };
    await store.append('registration-1', [cancelled('1', 'newer'), cancelled('1', 'refused'), cancelled('1', 'e1'), cancelled('1', 'full'), cancelled('1', 'e2')], 'no_stream');
    await reactor.catchUp();
    expect(recorded.left).toEqual(['e1']);
    expect(await store.loadCheckpoint('left-individual-events')).toBeNull(); // as the empty log left it

    diskFull = false;
    await reactor.catchUp();
    expect(recorded.left).toEqual(['e1', 'full', 'e2']);
  });

  it('passes over a leaving event it cannot read (a newer version wrote it) and acts on the others', async () => {
    const upcasting = new LeftEventsReactor(new UpcastingEventStore(store, new UpcasterRegistry([])), recorded.scheduler);
    await upcasting.catchUp();
    const newer = { ...cancelled('1', 'newer'), metadata: { ...metadata, schemaVersion: 2 } };
    await store.append('registration-1', [cancelled('1', 'e1'), newer], 'no_stream');
    await store.append('registration-2', [cancelled('2', 'e2')], 'no_stream');
    await upcasting.catchUp();
    expect(recorded.left).toEqual(['e1', 'e2']);
    expect(await store.loadCheckpoint('left-individual-events')).toBe(await store.headPosition());
  });

  it('on its own, acts on an event once a pass has seen it: a second or two after its append', async () => {
    await onItsOwn(reactor, async (advance) => {
      await store.append('registration-1', [cancelled('1', 'e1')], 'no_stream');
      await advance(1000);
      expect(recorded.left).toEqual([]);
      await advance(1000);
      expect(recorded.left).toEqual(['e1']);
    });
  });

  it('cancels an Individual event created for a registration that never joined it, and only such', async () => {
    await reactor.catchUp();
    const requested = (registration: string, eventId: string) => event('RegistrationRequested', { RegistrationId: registration, EventId: eventId });
    await store.append(
      'examSchedule-org',
      [
        created('e-joined', 'joined'),
        created('e-never', 'never'), // its command stopped before storing the registration
        created('e-elsewhere', 'elsewhere'), // a retry made another event
        created('e-moved-to', 'moved'),
        created('e-left', 'left'),
        created('e-api', undefined), // POST /api/events: nothing to join it
      ],
      'no_stream',
    );
    await store.append('registration-joined', [requested('joined', 'e-joined')], 'no_stream');
    await store.append('registration-elsewhere', [requested('elsewhere', 'e-other')], 'no_stream');
    await store.append(
      'registration-moved',
      [requested('moved', 'e-first'), event('RegistrationTransferred', { RegistrationId: 'moved', FromEventId: 'e-first', ToEventId: 'e-moved-to' })],
      'no_stream',
    );
    // Joined, then left: acted on at its leaving event, for the cancel (below, the last).
    await store.append('registration-left', [requested('left', 'e-left'), cancelled('left', 'e-left')], 'no_stream');
    await reactor.catchUp();
    expect(recorded.left).toEqual(['e-never', 'e-elsewhere', 'e-first', 'e-left']);
  });

  it('cancels only while it holds the event, so that a command of this process creating it is done, and holds none its registration joined', async () => {
    await reactor.catchUp();
    await store.append('examSchedule-org', [created('e-joined', 'joined'), created('e1', 'r1')], 'no_stream');
    await store.append('registration-joined', [event('RegistrationRequested', { RegistrationId: 'joined', EventId: 'e-joined' })], 'no_stream');
    const readStream = store.readStream.bind(store);
    jest.spyOn(store, 'readStream').mockImplementation(async (streamId, options) => {
      recorded.steps.push(`read ${streamId}`);
      return readStream(streamId, options);
    });
    await reactor.catchUp();
    expect(recorded.steps).toEqual(['read registration-joined', 'read registration-r1', 'hold e1', 'read registration-r1', 'release e1']);
    expect(recorded.left).toEqual(['e1']);
  });

  it(`on its own, cancels a creation not joined ${CREATION_GRACE_MS / 1000} s after it first read it, acting on the others meanwhile`, async () => {
    await onItsOwn(reactor, async (advance) => {
      const anHourAgo = new Date(Date.now() - 3_600_000).toISOString(); // when its request arrived: not what counts
      await store.append('examSchedule-org', [created('e-joined', 'joined', anHourAgo)], 'no_stream');
      await store.append('registration-joined', [event('RegistrationRequested', { RegistrationId: 'joined', EventId: 'e-joined' })], 'no_stream');
      await store.append('registration-3', [cancelled('3', 'e3')], 'no_stream');
      const beforeE1 = await store.headPosition();
      await store.append('examSchedule-other', [created('e1', 'r1', anHourAgo)], 'no_stream');
      await store.append('registration-2', [cancelled('2', 'e2')], 'no_stream');
      // In a later window of the log (5,000 positions each): read in the same pass all the same.
      const filler = Array.from({ length: 6_000 }, (_, i) => event('AccommodationGranted', { RegistrationId: 'x', Type: `T${i}` }));
      await store.append('registration-x', filler, 'no_stream');
      await store.append('examSchedule-third', [created('e4', 'r4', anHourAgo)], 'no_stream');
      // The second pass reads them (the first notes how far the log goes) and defers e1 and e4 only.
      await advance(2000);
      expect(recorded.left).toEqual(['e3', 'e2']);
      expect(await store.loadCheckpoint('left-individual-events')).toBe(beforeE1);
      await advance(CREATION_GRACE_MS - 1000);
      expect(recorded.left).toEqual(['e3', 'e2']);
      await advance(2000);
      expect(recorded.left).toEqual(['e3', 'e2', 'e1', 'e4']);
      expect(recorded.steps).toEqual(['hold e1', 'release e1', 'hold e4', 'release e4']);
      expect(await store.loadCheckpoint('left-individual-events')).toBe(await store.headPosition());
    });
  });

  it('reads the log window by window up to its end', async () => {
    await reactor.catchUp();
    const filler = Array.from({ length: 12_000 }, (_, i) => event('AccommodationGranted', { RegistrationId: '1', Type: `T${i}` }));
    await store.append('registration-1', [cancelled('1', 'e1'), ...filler, cancelled('1', 'e2')], 'no_stream');
    await reactor.catchUp();
    expect(recorded.left).toEqual(['e1', 'e2']);
    expect(await store.loadCheckpoint('left-individual-events')).toBe(await store.headPosition());
  });

  it('starts at the head of a log it never ran on (an upgrade), then acts on what follows', async () => {
    await store.append('registration-1', [cancelled('1', 'before')], 'no_stream');
    await reactor.catchUp();
    await store.append('registration-2', [cancelled('2', 'after')], 'no_stream');
    await reactor.catchUp();
    expect(recorded.left).toEqual(['after']);
  });

  it('goes on from its checkpoint in a new process', async () => {
    await reactor.catchUp();
    await store.append('registration-1', [cancelled('1', 'e1')], 'no_stream');
    await reactor.catchUp();
    await store.append('registration-2', [cancelled('2', 'e2')], 'no_stream');
    const next = new RecordedLeaving();
    await new LeftEventsReactor(store, next.scheduler).catchUp();
    expect(next.left).toEqual(['e2']);
  });
});
