import { MAX_BODY_VALUES, shapeProblem, UNSTORABLE_TEXT } from './json-bodies.js';

const nestedDeeperThan = (value: unknown, depth: number) => shapeProblem(value, depth, Infinity) !== null;

/** `levels` arrays, one inside the other, around a number. */
function arrays(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('shapeProblem: depth', () => {
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

describe('shapeProblem: width', () => {
  it('counts every value, members of unknown properties included, and refuses a body past MAX_BODY_VALUES', () => {
    const registerLax = { Learner: 'x', Accommodations: Array.from({ length: 100 }, () => ({ Type: 'Reader', Name: null, TimeExtension: 5 })) };
    expect(shapeProblem(registerLax)).toBeNull();
    // The body, its two properties and the array's members: exactly MAX_BODY_VALUES, then one more.
    expect(shapeProblem({ Name: 'zz', X: Array.from({ length: MAX_BODY_VALUES - 3 }, () => 1) })).toBeNull();
    expect(shapeProblem({ Name: 'zz', X: Array.from({ length: MAX_BODY_VALUES - 2 }, () => 1) })).toBe(`Request body holds more than ${MAX_BODY_VALUES} values`);
    expect(shapeProblem({ X: Array.from({ length: 350_000 }, () => ({})) })).toBe(`Request body holds more than ${MAX_BODY_VALUES} values`);
  });

  it('names depth first when a body is both too deep and too wide along the way', () => {
    expect(shapeProblem({ a: { b: [[1]] } }, 3, 10)).toBe('Request body nests objects or arrays more than 3 levels deep');
  });
});

describe('shapeProblem: text', () => {
  it.each([
    ['a NUL', { LearnerName: 'Ada\u0000Lovelace' }],
    ['a lone high surrogate', { LearnerName: 'Ada \ud83d' }],
    ['a lone low surrogate', { Address: { City: '\ude00 Paris' } }],
    ['reversed surrogates', { Accommodations: [{ Type: '\ude00\ud83d' }] }],
    ['a bare string body', 'x\u0000'],
  ])('refuses text with %s, wherever it is', (_, body) => {
    expect(shapeProblem(body)).toBe(UNSTORABLE_TEXT);
  });

  it('takes every other character: pairs beyond the BMP, other controls, U+FFFD', () => {
    expect(shapeProblem({ LearnerName: 'Zoë 李 😀 \t\n\u0001 \ufffd', Codes: ['𝔘𝔫𝔦'] })).toBeNull();
  });
});
