import { describe, expect, it } from '@jest/globals';
import { describeHostSpeed, measureHostSpeed, singleCycle } from '../../bench/host-speed.js';

/** The bench's description of the machine's speed: a memory probe that cannot be fooled by the caches. */
describe('bench host speed', () => {
  /** How many loads a chase from entry 0 takes to come back to it. */
  const cycleLength = (next: Int32Array) => {
    let at = next[0];
    let loads = 1;
    while (at !== 0 && loads <= next.length) {
      at = next[at];
      loads++;
    }
    return loads;
  };

  it('chases through every entry before coming back: one cycle, whatever the random draws', () => {
    for (const size of [2, 3, 10, 4096]) {
      let seed = size;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const next = singleCycle(size, random);
      expect(cycleLength(next)).toBe(size);
      // A permutation: every entry is reached exactly once.
      expect(new Set(next).size).toBe(size);
    }
  });

  it('measures and describes both speeds of a small probe', () => {
    const speed = measureHostSpeed({ memoryMiB: 1, loads: 100_000 });
    expect(speed.arithmeticMs).toBeGreaterThan(0);
    expect(speed.memoryLatencyNs).toBeGreaterThan(0);
    expect(describeHostSpeed({ arithmeticMs: 1049.6, memoryLatencyNs: 229.8, memoryMiB: 64 })).toBe(
      'at the start: 10⁸ steps of integer arithmetic in 1050 ms, a dependent load from 64 MiB in 230 ns',
    );
  });
});
