import { afterEach, describe, expect, it } from '@jest/globals';
import { depth, fuzzSeed } from './depth.js';

describe('how deep a reliability suite goes', () => {
  afterEach(() => {
    delete process.env.TEST_DEPTH;
    delete process.env.FUZZ_SEED;
  });

  it('runs the default depth when the variable is unset or empty', () => {
    expect(depth('TEST_DEPTH', 15)).toBe(15);
    process.env.TEST_DEPTH = '';
    expect(depth('TEST_DEPTH', 15)).toBe(15);
  });

  it('runs as deep as asked', () => {
    process.env.TEST_DEPTH = '4000';
    expect(depth('TEST_DEPTH', 15)).toBe(4000);
  });

  it.each(['0', '-3', '2.5', 'lots', '1e3', '15 ', '007'])('refuses %j rather than run another depth', (text) => {
    process.env.TEST_DEPTH = text;
    expect(() => depth('TEST_DEPTH', 15)).toThrow(`TEST_DEPTH must be a whole number of at least 1, not ${JSON.stringify(text)}`);
  });

  it('replays a seed a failure printed, negative ones included, and refuses anything else', () => {
    expect(fuzzSeed()).toBeUndefined();
    process.env.FUZZ_SEED = '-1210437467';
    expect(fuzzSeed()).toBe(-1210437467);
    process.env.FUZZ_SEED = 'seed';
    expect(() => fuzzSeed()).toThrow('FUZZ_SEED must be a whole number, not "seed"');
  });
});
