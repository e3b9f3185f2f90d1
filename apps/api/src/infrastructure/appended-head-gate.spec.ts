import { describe, expect, it } from '@jest/globals';
import type { AppendWatcher } from '../../../../libs/event-store/src/stream-watching-event-store.js';
import { CheckpointWaiters } from '../../../../libs/read-model/src/checkpoint-waiters.js';
import { ReadModelsBehindError } from '../../../../libs/read-model/src/read-gate.js';
import { AppendedHeadGate, type AppliedPositions } from './appended-head-gate.js';

const [ORG, OTHER_ORG] = ['org-1', 'org-2'];

/** This process's appends and a projector whose progress the test sets. */
function setup(timeoutMs = 1000) {
  const watchers: AppendWatcher[] = [];
  let applied: bigint | null = null;
  const waiters = new CheckpointWaiters((position) => applied !== null && applied >= position);
  const projector: AppliedPositions = {
    hasApplied: (position) => applied !== null && applied >= position,
    waitFor: (position, ms = 5000) => waiters.wait(position, ms),
  };
  const appends = { watch: (_prefix: string, watcher: AppendWatcher) => (watchers.push(watcher), () => undefined) };
  const gate = new AppendedHeadGate(appends, projector, timeoutMs);
  return {
    gate,
    appended: (position: bigint, organization = ORG) => watchers.forEach((watcher) => watcher(position, organization)),
    apply: (position: bigint) => {
      applied = position;
      waiters.release();
    },
  };
}

/** Whether a read starting now (filtered to `organization`, or to none) would wait (its wait, if any, is dropped). */
function holdsRead(gate: AppendedHeadGate, organization: string | null = ORG): boolean {
  const waiting = gate.beforeRead(organization);
  waiting?.catch(() => undefined);
  return waiting !== null;
}

/** A wait whose settling the test can look at, and then await. */
function watched(wait: Promise<void>): { readonly done: boolean; settled: Promise<void> } {
  const state = { done: false, settled: wait.then(() => void (state.done = true)) };
  return state;
}

describe('AppendedHeadGate', () => {
  it('lets a read start at once before any append, and once the projector has applied the head', () => {
    const { gate, appended, apply } = setup();
    expect(holdsRead(gate)).toBe(false);
    appended(4n);
    apply(4n);
    expect(holdsRead(gate)).toBe(false);
  });

  it('holds a read until the head as of its start is applied, not a later one', async () => {
    const { gate, appended, apply } = setup();
    appended(5n);
    const read = watched(gate.beforeRead(ORG)!);
    appended(9n);
    apply(4n);
    await Promise.resolve();
    expect(read.done).toBe(false);
    apply(5n);
    await read.settled;
    expect(read.done).toBe(true);
    expect(holdsRead(gate)).toBe(true);
  });

  it('keeps the highest position when appends are told out of order', () => {
    const { gate, appended, apply } = setup();
    appended(8n);
    appended(6n);
    apply(7n);
    expect(holdsRead(gate)).toBe(true);
  });

  it('holds a command back only while the projector is more than 1,280 positions (about 256 register-lax) behind it', async () => {
    const { gate, apply } = setup();
    apply(100n);
    await gate.keepUpWith(1380n);
    const held = watched(gate.keepUpWith(1424n));
    apply(143n);
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.done).toBe(false);
    apply(144n);
    await held.settled;
    expect(held.done).toBe(true);
  });

  it('holds a read filtered to one organization only for that organization’s appends', () => {
    const { gate, appended, apply } = setup();
    appended(5n, ORG);
    appended(9n, OTHER_ORG);
    apply(5n);
    expect(holdsRead(gate, ORG)).toBe(false);
    expect(holdsRead(gate, OTHER_ORG)).toBe(true);
    expect(holdsRead(gate, 'org-without-appends')).toBe(false);
    appended(12n, ORG);
    expect(holdsRead(gate, ORG)).toBe(true);
  });

  it('holds a read filtered to no one organization for every organization’s appends', () => {
    const { gate, appended, apply } = setup();
    appended(9n, OTHER_ORG);
    appended(5n, ORG);
    apply(5n);
    expect(holdsRead(gate, null)).toBe(true);
    apply(9n);
    expect(holdsRead(gate, null)).toBe(false);
  });

  it('holds an organization’s reads for a position a command of that organization found, and not another’s', () => {
    const { gate, apply } = setup();
    apply(2n);
    gate.include(6n, ORG);
    expect(holdsRead(gate, ORG)).toBe(true);
    expect(holdsRead(gate, OTHER_ORG)).toBe(false);
    expect(holdsRead(gate, null)).toBe(true);
  });

  it('fails the read with ReadModelsBehindError after the bound', async () => {
    const { gate, appended } = setup(20);
    appended(3n);
    await expect(gate.beforeRead(ORG)).rejects.toBeInstanceOf(ReadModelsBehindError);
  });
});
