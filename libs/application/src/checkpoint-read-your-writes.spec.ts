import { describe, expect, it } from '@jest/globals';
import { CheckpointReadYourWrites, ReadYourWritesTimeoutError } from './checkpoint-read-your-writes.js';

/** Checkpoints another process moves forward. */
function checkpoints(initial: Record<string, bigint | null>) {
  const stored = { ...initial };
  return {
    stored,
    getCheckpoint: async (name: string) => stored[name] ?? null,
  };
}

describe('read-your-writes by polling the stored checkpoints', () => {
  it('answers at once when every projection has passed the position', async () => {
    const source = checkpoints({ a: 7n, b: 9n });
    await expect(new CheckpointReadYourWrites(source, ['a', 'b']).waitFor(7n)).resolves.toBeUndefined();
  });

  it('waits for the slowest projection', async () => {
    const source = checkpoints({ a: 10n, b: 3n });
    let done = false;
    const waiting = new CheckpointReadYourWrites(source, ['a', 'b'], { pollIntervalMs: 5 }).waitFor(8n).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(done).toBe(false);
    source.stored.b = 8n;
    await waiting;
    expect(done).toBe(true);
  });

  it('gives up after the bound when a projection never ran', async () => {
    const source = checkpoints({ a: 10n, b: null });
    const ryw = new CheckpointReadYourWrites(source, ['a', 'b'], { timeoutMs: 30, pollIntervalMs: 5 });
    await expect(ryw.waitFor(1n)).rejects.toBeInstanceOf(ReadYourWritesTimeoutError);
  });

  it('has nothing to wait for after a no-op command on an empty stream', async () => {
    const ryw = new CheckpointReadYourWrites(checkpoints({}), ['a'], { timeoutMs: 10 });
    await expect(ryw.waitFor(null)).resolves.toBeUndefined();
  });
});
