import { nestedDeeperThan } from './json-bodies.js';

/** `levels` arrays, one inside the other, around a number. */
function arrays(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('nestedDeeperThan', () => {
  it('counts the top object as one level, and objects and arrays alike below it', () => {
    expect(nestedDeeperThan({ a: { b: [1] } }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: { b: [[1]] } }, 3)).toBe(true);
    expect(nestedDeeperThan(arrays(32), 32)).toBe(false);
    expect(nestedDeeperThan(arrays(33), 32)).toBe(true);
  });

  it('finds the deep branch among shallow ones', () => {
    expect(nestedDeeperThan({ a: 1, b: [2, 3], c: { d: arrays(3) }, e: 'x' }, 4)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: [2, 3], c: { d: arrays(2) }, e: 'x' }, 4)).toBe(false);
  });

  it('takes scalars and null as no nesting, and walks a value far deeper than any stack', () => {
    for (const scalar of [null, 1, 'text', true]) expect(nestedDeeperThan(scalar, 1)).toBe(false);
    expect(nestedDeeperThan(arrays(100_000), 32)).toBe(true);
  });
});
