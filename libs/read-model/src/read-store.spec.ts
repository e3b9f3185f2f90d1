import { pickFields } from './read-store.js';

describe('pickFields', () => {
  it('narrows a document to the fields, in their order, a missing or undefined one as null', () => {
    const doc = { _id: 'a', B: 2, A: { nested: [1] }, C: undefined, D: false, E: 0 };
    const picked = pickFields(doc, ['E', 'A', 'Missing', 'C', 'D', '_id']);
    expect(JSON.stringify(picked)).toBe('{"E":0,"A":{"nested":[1]},"Missing":null,"C":null,"D":false,"_id":"a"}');
    // The same list again, and an equal list in another array, answer alike.
    expect(pickFields({ _id: 'b', A: 1 }, ['A', 'B'])).toEqual({ A: 1, B: null });
    expect(pickFields({ _id: 'c', A: 3 }, ['A', 'B'])).toEqual({ A: 3, B: null });
  });

  it('refuses a field that is not a plain name', () => {
    expect(() => pickFields({ _id: 'a' }, ['A', 'B; process.exit()'])).toThrow(TypeError);
    expect(() => pickFields({ _id: 'a' }, ['__proto__'])).toThrow(TypeError);
  });
});
