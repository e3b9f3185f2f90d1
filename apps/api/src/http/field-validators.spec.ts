import { describe, expect, it } from '@jest/globals';
import { instantOf } from './field-validators.js';

describe('date-times in requests', () => {
  it('accept an offset or Z and give the same instant', () => {
    expect(instantOf('2026-03-01T09:00:00-08:00')?.toISOString()).toBe('2026-03-01T17:00:00.000Z');
    expect(instantOf('2026-03-01T17:00:00Z')?.toISOString()).toBe('2026-03-01T17:00:00.000Z');
  });

  it('refuse times without an offset, non-strings and years whose stored text would not sort', () => {
    expect(instantOf('2026-03-01T09:00:00')).toBeNull();
    expect(instantOf(20260301)).toBeNull();
    expect(instantOf('+010000-01-01T00:00:00Z')).toBeNull();
  });
});
