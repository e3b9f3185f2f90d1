import { describe, expect, it } from '@jest/globals';
import { ExamEventHolds } from './exam-event-holds.js';

/** Whether the promise has settled by the end of this turn's microtasks and one macrotask. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('ExamEventHolds', () => {
  it('given registrations holding an event, a cancellation waits until the last one leaves', async () => {
    const holds = new ExamEventHolds();
    const first = await holds.join('E1');
    const second = await holds.join('E1');
    const cancelling = holds.cancel('E1');
    expect(await settled(cancelling)).toBe(false);
    first();
    expect(await settled(cancelling)).toBe(false);
    second();
    expect(await settled(cancelling)).toBe(true);
  });

  it('given a cancellation holding an event, a registration joining it waits, and is told to look again', async () => {
    const holds = new ExamEventHolds();
    const mark = holds.mark();
    const release = await holds.cancel('E1');
    const joining = holds.join('E1');
    expect(await settled(joining)).toBe(false);
    release();
    expect(await settled(joining)).toBe(true);
    expect(holds.changedSince(mark)).toBe(true);
  });

  it('given a cancellation that ended after the lookup, the joining registration looks again', async () => {
    const holds = new ExamEventHolds();
    const mark = holds.mark();
    (await holds.cancel('E1'))();
    await holds.join('E1');
    expect(holds.changedSince(mark)).toBe(true);
  });

  it('holds other events apart: a registration on another event neither waits nor looks again', async () => {
    const holds = new ExamEventHolds();
    await holds.join('E1');
    const mark = holds.mark();
    const release = await holds.cancel('E2');
    expect(await settled(holds.join('E3'))).toBe(true);
    expect(holds.changedSince(mark)).toBe(false);
    release();
  });

  it('given a cancellation and a registration asking in the same turn, the registration waits for the cancellation', async () => {
    const holds = new ExamEventHolds();
    const cancelling = holds.cancel('E1');
    const joining = holds.join('E1');
    const release = await cancelling;
    expect(await settled(joining)).toBe(false);
    release();
    expect(await settled(joining)).toBe(true);
  });

  it('runs two cancellations of one event one after the other', async () => {
    const holds = new ExamEventHolds();
    const first = await holds.cancel('E1');
    const second = holds.cancel('E1');
    expect(await settled(second)).toBe(false);
    first();
    expect(await settled(second)).toBe(true);
  });

  it('releases once: a second call of a release changes nothing', async () => {
    const holds = new ExamEventHolds();
    const first = await holds.join('E1');
    const second = await holds.join('E1');
    first();
    first();
    const cancelling = holds.cancel('E1');
    expect(await settled(cancelling)).toBe(false);
    second();
    expect(await settled(cancelling)).toBe(true);
  });
});
