/**
 * The behaviour every EventStore adapter must show. Stream names are unique per run and reads of
 * the global log only look at this run's streams, so the suite also works against a shared server
 * that already holds (or concurrently receives) other events.
 */
import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type StoredEvent,
} from '../../libs/event-store/src/event-store.js';

const run = randomUUID().slice(0, 8);
let streamCounter = 0;

export function eventStoreContract(name: string, makeStore: () => Promise<EventStore>): void {
  describe(`${name} (EventStore contract)`, () => {
    let store: EventStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('append', () => {
      it('creates a stream with no_stream and returns its revision and the position of the event', async () => {
        const streamId = newStreamId('create');
        const result = await store.append(streamId, [newEvent('Created', { n: 1 })], 'no_stream');

        const events = await store.readStream(streamId);
        expect(result.nextExpectedRevision).toBe(0n);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ streamId, revision: 0n, position: result.position, type: 'Created', data: { n: 1 } });
      });

      it('rejects a second no_stream append with WrongExpectedRevisionError and stores nothing', async () => {
        const streamId = newStreamId('twice');
        await store.append(streamId, [newEvent('Created')], 'no_stream');

        const error = await conflictOf(store.append(streamId, [newEvent('CreatedAgain')], 'no_stream'));

        expect(error).toMatchObject({ streamId, expected: 'no_stream', actual: 0n });
        expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['Created']);
      });

      it('appends at the exact expected revision and rejects a stale or premature one', async () => {
        const streamId = newStreamId('exact');
        await store.append(streamId, [newEvent('A'), newEvent('B')], 'no_stream');

        const result = await store.append(streamId, [newEvent('C')], 1n);
        const stale = await conflictOf(store.append(streamId, [newEvent('Stale')], 1n));
        const ahead = await conflictOf(store.append(streamId, [newEvent('Ahead')], 5n));
        const missing = await conflictOf(store.append(newStreamId('missing'), [newEvent('X')], 0n));

        expect(result.nextExpectedRevision).toBe(2n);
        expect(stale).toMatchObject({ expected: 1n, actual: 2n });
        expect(ahead).toMatchObject({ expected: 5n, actual: 2n });
        expect(missing).toMatchObject({ expected: 0n, actual: 'no_stream' });
        expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it("appends with 'any' whether or not the stream exists", async () => {
        const streamId = newStreamId('any');

        const first = await store.append(streamId, [newEvent('A')], 'any');
        const second = await store.append(streamId, [newEvent('B')], 'any');

        expect([first.nextExpectedRevision, second.nextExpectedRevision]).toEqual([0n, 1n]);
        expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it('lets exactly one of several concurrent writers with the same expected revision win', async () => {
        const streamId = newStreamId('race');
        await store.append(streamId, [newEvent('Created')], 'no_stream');

        const writers = ['W0', 'W1', 'W2', 'W3', 'W4'];
        const outcomes = await Promise.allSettled(writers.map((type) => store.append(streamId, [newEvent(type)], 0n)));

        const winners = writers.filter((_, i) => outcomes[i].status === 'fulfilled');
        const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(4);
        for (const loser of losers) expect(loser.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['Created', winners[0]]);
      });

      it('stores a multi-event append with contiguous revisions and reports the last position', async () => {
        const streamId = newStreamId('batch');
        const result = await store.append(streamId, [newEvent('A'), newEvent('B'), newEvent('C')], 'no_stream');

        const events = await store.readStream(streamId);
        expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expectStrictlyIncreasing(events.map((e) => e.position));
        expect(result).toEqual({ nextExpectedRevision: 2n, position: events[2].position });
      });

      it('stores none of the events of a rejected multi-event append', async () => {
        const streamId = newStreamId('atomic');
        await store.append(streamId, [newEvent('Created')], 'no_stream');

        await conflictOf(store.append(streamId, [newEvent('A'), newEvent('B'), newEvent('C')], 'no_stream'));
        // The second event cannot be serialised: the first must not be kept either.
        await expect(store.append(streamId, [newEvent('D'), newEvent('E', { bad: 1n })], 0n)).rejects.toThrow();

        expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['Created']);
        expect((await store.append(streamId, [newEvent('F')], 0n)).nextExpectedRevision).toBe(1n);
      });

      it('rejects an empty append and stores nothing', async () => {
        const streamId = newStreamId('empty');

        await expect(store.append(streamId, [], 'no_stream')).rejects.toThrow();

        expect(await store.readStream(streamId)).toEqual([]);
      });
    });

    describe('readStream', () => {
      it('returns the events in revision order, optionally from a revision on', async () => {
        const streamId = newStreamId('read');
        await store.append(streamId, [newEvent('A'), newEvent('B')], 'no_stream');
        await store.append(newStreamId('other'), [newEvent('Other')], 'no_stream');
        await store.append(streamId, [newEvent('C'), newEvent('D'), newEvent('E')], 1n);

        const all = await store.readStream(streamId);
        const fromTwo = await store.readStream(streamId, { fromRevision: 2n });
        const pastTheEnd = await store.readStream(streamId, { fromRevision: 5n });

        expect(all.map((e) => [e.revision, e.type])).toEqual([
          [0n, 'A'],
          [1n, 'B'],
          [2n, 'C'],
          [3n, 'D'],
          [4n, 'E'],
        ]);
        expectStrictlyIncreasing(all.map((e) => e.position));
        expect(fromTwo).toEqual(all.slice(2));
        expect(pastTheEnd).toEqual([]);
        // At most maxCount, from the revision asked for.
        expect(await store.readStream(streamId, { maxCount: 1 })).toEqual(all.slice(0, 1));
        expect(await store.readStream(streamId, { fromRevision: 3n, maxCount: 5 })).toEqual(all.slice(3));
      });

      it('returns [] for a stream that does not exist', async () => {
        expect(await store.readStream(newStreamId('never'))).toEqual([]);
        expect(await store.readStream(newStreamId('never'), { fromRevision: 3n })).toEqual([]);
      });

      it('returns data and metadata exactly as appended', async () => {
        const streamId = newStreamId('roundtrip');
        const data = {
          name: 'Zoë Ørsted — 試験 🎓',
          nested: { list: [1, 'two', { three: 3 }], empty: {}, none: null },
          flag: false,
          amount: 12.5,
        };
        const meta = metadata({
          causationId: 'command-7',
          schemaVersion: 3,
          hash: 'sha256:9f86d081884c7d65',
          previousHash: null,
          trace: { spans: ['a', 'b'] },
        });
        await store.append(streamId, [{ type: 'RoundTripped', data, metadata: meta }], 'no_stream');

        const [fromStream] = await store.readStream(streamId);
        const fromLog = (await readAllOf(store, [streamId], undefined)).at(0);

        expect(fromStream.data).toEqual(data);
        expect(fromStream.metadata).toEqual(meta);
        expect(fromLog).toEqual(fromStream);
      });
    });

    describe('readAll', () => {
      it('returns the events of all streams in position order, strictly after `after`', async () => {
        const before = await store.headPosition();
        const a = newStreamId('log-a');
        const b = newStreamId('log-b');
        await store.append(a, [newEvent('A0'), newEvent('A1')], 'no_stream');
        await store.append(b, [newEvent('B0')], 'no_stream');
        await store.append(a, [newEvent('A2')], 1n);

        const log = await readAllOf(store, [a, b], before ?? undefined);
        const afterA1 = await readAllOf(store, [a, b], log[1].position);

        expect(log.map((e) => e.type)).toEqual(['A0', 'A1', 'B0', 'A2']);
        expectStrictlyIncreasing(log.map((e) => e.position));
        expect(afterA1.map((e) => e.type)).toEqual(['B0', 'A2']);
      });

      it('pages through the log in batches of at most `limit` without gaps or repeats', async () => {
        const before = await store.headPosition();
        const streamId = newStreamId('pages');
        for (const type of ['P0', 'P1', 'P2', 'P3', 'P4']) await store.append(streamId, [newEvent(type)], 'any');

        const batchSizes: number[] = [];
        const seen: StoredEvent[] = [];
        let after = before ?? undefined;
        for (;;) {
          const batch = await store.readAll({ after, limit: 2 });
          if (batch.length === 0) break;
          expectAllAfter(batch, after);
          batchSizes.push(batch.length);
          seen.push(...batch);
          after = batch[batch.length - 1].position;
        }

        expect(batchSizes.every((size) => size <= 2)).toBe(true);
        expect(batchSizes).toContain(2);
        expectStrictlyIncreasing(seen.map((e) => e.position));
        expect(seen.filter((e) => e.streamId === streamId).map((e) => e.type)).toEqual(['P0', 'P1', 'P2', 'P3', 'P4']);
      });

      it('starts at the beginning of the log when `after` is not given', async () => {
        const streamId = newStreamId('start');
        const { position } = await store.append(streamId, [newEvent('A')], 'no_stream');

        const firstBatch = await store.readAll({ limit: 3 });

        expect(firstBatch.length).toBeGreaterThan(0);
        expect(firstBatch.length).toBeLessThanOrEqual(3);
        expect(firstBatch[0].position <= position).toBe(true);
        expectStrictlyIncreasing(firstBatch.map((e) => e.position));
      });
    });

    describe('readTypes', () => {
      it('returns, window by window of at most `limit` log events, those of the types asked for, and how far each window reached', async () => {
        const before = await store.headPosition();
        const streamId = newStreamId('typed');
        const [keep, skip] = [`Keep${run}`, `Skip${run}`];
        let end = 0n;
        for (const type of [keep, skip, skip, keep, skip, keep]) end = (await store.append(streamId, [newEvent(type)], 'any')).position;

        const kept: StoredEvent[] = [];
        let after = before ?? undefined;
        while (after === undefined || after < end) {
          const { events, last } = await store.readTypes({ after, limit: 2 }, [keep]);
          expect(last).not.toBeNull();
          expectAllAfter(events, after);
          expect(events.every((e) => e.position <= last! && e.type === keep)).toBe(true);
          if (after !== undefined) expect(last! > after).toBe(true);
          kept.push(...events.filter((e) => e.streamId === streamId));
          after = last!;
        }

        expect(kept.map((e) => e.revision)).toEqual([0n, 3n, 5n]);
        expectStrictlyIncreasing(kept.map((e) => e.position));
      });

      it('reaches nothing past the end of the log', async () => {
        const { position } = await store.append(newStreamId('typed-end'), [newEvent('A')], 'no_stream');
        const head = await store.headPosition();
        expect(head! >= position).toBe(true);
        expect(await store.readTypes({ after: head!, limit: 10 }, ['A'])).toEqual({ events: [], last: null });
      });
    });

    describe('subscriber checkpoints', () => {
      it('loads undefined before a save, then the last one saved (null: from the beginning), and adds nothing to the log', async () => {
        const subscriber = newStreamId('subscriber');
        await store.append(newStreamId('checkpoint-head'), [newEvent('A')], 'no_stream');
        const head = await store.headPosition();

        expect(await store.loadCheckpoint(subscriber)).toBeUndefined();
        await store.saveCheckpoint(subscriber, null);
        expect(await store.loadCheckpoint(subscriber)).toBeNull();
        await store.saveCheckpoint(subscriber, head);
        await store.saveCheckpoint(newStreamId('another-subscriber'), 1n);
        expect(await store.loadCheckpoint(subscriber)).toBe(head);

        expect(await store.headPosition()).toBe(head);
        expect(await store.readAll({ after: head!, limit: 10 })).toEqual([]);
      });
    });

    describe('headPosition', () => {
      it('follows the log: at or past the last append, and every later append lands after it', async () => {
        const first = await store.append(newStreamId('head'), [newEvent('A')], 'no_stream');
        const headAfterFirst = await store.headPosition();
        const second = await store.append(newStreamId('head'), [newEvent('B'), newEvent('C')], 'no_stream');
        const headAfterSecond = await store.headPosition();

        expect(headAfterFirst).not.toBeNull();
        expect(headAfterFirst! >= first.position).toBe(true);
        expect(second.position > headAfterFirst!).toBe(true);
        expect(headAfterSecond! >= second.position).toBe(true);
      });
    });

    describe('onAppended', () => {
      it('notifies a listener after an append, when the new event is already readable', async () => {
        const streamId = newStreamId('live');
        const readsOnNotification: Array<Promise<StoredEvent[]>> = [];
        const unsubscribe = store.onAppended(() => readsOnNotification.push(store.readStream(streamId)));
        try {
          await appendUntil(store, streamId, () => readsOnNotification.length > 0);

          const reads = await Promise.all(readsOnNotification);
          expect(reads.some((events) => events.length > 0)).toBe(true);
        } finally {
          unsubscribe();
        }
      });

      it('stops notifying a listener once it unsubscribed', async () => {
        const streamId = newStreamId('unsubscribe');
        let removedCalls = 0;
        let keptCalls = 0;
        const unsubscribeRemoved = store.onAppended(() => (removedCalls += 1));
        const unsubscribeKept = store.onAppended(() => (keptCalls += 1));
        try {
          unsubscribeRemoved();
          await appendUntil(store, streamId, () => keptCalls > 0);
          const callsBefore = keptCalls;
          await appendUntil(store, streamId, () => keptCalls > callsBefore);

          expect(removedCalls).toBe(0);
        } finally {
          unsubscribeKept();
        }
      });
    });
  });
}

function newStreamId(label: string): string {
  streamCounter += 1;
  return `contract-${run}-${label}-${streamCounter}`;
}

function metadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    organization: '8d1f4c52-0c3e-4c53-9a6e-2f6a0c1d7b11',
    actor: 'user-42',
    occurredAt: '2026-03-01T17:00:00.000Z',
    correlationId: 'request-1',
    causationId: null,
    schemaVersion: 1,
    ...overrides,
  };
}

function newEvent(type: string, data: Record<string, unknown> = {}): NewEvent {
  return { type, data, metadata: metadata() };
}

async function conflictOf(append: Promise<unknown>): Promise<WrongExpectedRevisionError> {
  const error = await append.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  return error as WrongExpectedRevisionError;
}

/** This run's events of the given streams in the global log after `after`, read in batches. */
async function readAllOf(store: EventStore, streamIds: string[], after: bigint | undefined): Promise<StoredEvent[]> {
  const found: StoredEvent[] = [];
  for (;;) {
    const batch = await store.readAll({ after, limit: 100 });
    if (batch.length === 0) return found;
    expectAllAfter(batch, after);
    found.push(...batch.filter((e) => streamIds.includes(e.streamId)));
    after = batch[batch.length - 1].position;
  }
}

/** Appends one event at a time until `condition` holds: a server-side subscription may take a
 * moment to become live, and events stored before that are not announced. */
async function appendUntil(store: EventStore, streamId: string, condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await store.append(streamId, [newEvent('Ping')], 'any');
    if (await eventually(condition, 250)) return;
  }
  throw new Error('no notification arrived after 20 appends');
}

async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/** Fails fast (instead of paging forever) when a batch repeats events at or before `after`. */
function expectAllAfter(batch: StoredEvent[], after: bigint | undefined): void {
  if (after === undefined) return;
  const repeated = batch.filter((e) => e.position <= after);
  if (repeated.length > 0) throw new Error(`readAll after ${after} returned position ${repeated[0].position}`);
}

function expectStrictlyIncreasing(values: bigint[]): void {
  for (let i = 1; i < values.length; i += 1) expect(values[i] > values[i - 1]).toBe(true);
}
