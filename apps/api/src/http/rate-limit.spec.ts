import { describe, expect, it } from '@jest/globals';
import { TokenBuckets } from './rate-limit.js';

describe('token buckets', () => {
  it('allows a burst of the per-minute budget, then refills continuously', () => {
    let now = 0;
    const buckets = new TokenBuckets(60, () => now);
    for (let i = 0; i < 60; i++) expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(1000); // one token per second at 60/minute
    now += 1000;
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBeGreaterThan(0);
  });

  it('keeps callers apart', () => {
    const buckets = new TokenBuckets(1, () => 0);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBeGreaterThan(0);
    expect(buckets.take('b')).toBe(0);
  });
});
