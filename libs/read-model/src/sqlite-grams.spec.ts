import { gramsDocument, gramToken } from './sqlite-grams.js';

describe('grams', () => {
  const tokens = (...values: unknown[]) => gramsDocument(values).split(' ').filter(Boolean).sort();

  it('has one token per distinct 1- and 2-character substring, per field', () => {
    expect(tokens('abab')).toEqual([gramToken(0, 'a'), gramToken(0, 'ab'), gramToken(0, 'b'), gramToken(0, 'ba')].sort());
    expect(tokens(null, 'x')).toEqual([gramToken(1, 'x')]);
    expect(gramToken(0, 'x')).not.toBe(gramToken(1, 'x'));
  });

  it('takes the text as given: the store passes search columns and needles already folded', () => {
    expect(gramToken(0, 'AB')).not.toBe(gramToken(0, 'ab'));
    expect(tokens('É')).toEqual([gramToken(0, 'É')]);
  });

  it('counts characters, not UTF-16 units, and keeps only strings', () => {
    expect(tokens('🐛')).toEqual([gramToken(0, '🐛')]);
    expect(tokens(36, true, { a: 'b' })).toEqual([]);
  });

  it('makes tokens of letters and digits only, whatever the text (no FTS5 syntax)', () => {
    expect(gramsDocument(['a "b" OR * (c)'])).toMatch(/^[a-z0-9 ]+$/);
  });

  it('gives what splitting the text into characters gives, for any characters', () => {
    // The plain definition: characters as [...text] splits them, hex of their UTF-8.
    const reference = (values: unknown[]) => {
      const tokens = new Set<string>();
      values.forEach((value, field) => {
        if (typeof value !== 'string') return;
        const chars = [...value].map((c) => Buffer.from(c, 'utf8').toString('hex'));
        chars.forEach((c, i) => {
          tokens.add(`f${field}x${c}`);
          if (i + 1 < chars.length) tokens.add(`f${field}x${c}${chars[i + 1]}`);
        });
      });
      return [...tokens].join(' ');
    };
    const samples = [
      ['Ada Lovelace', 'ADA@example.org', 'L-0001'],
      ['Ádá 🐛🐛 É', '\uD800x\uDC00\uFFFD', '\u0000ß€'],
      ['\uDC00\uD83D', 'aAaA', null],
      ['', 'Zz', 42],
      ['O\'Brien-Smith, Jr.', 'o.brien+99@Example.COM', '~`!@#$%^&*()_[]{}|\\;:"<>?/ \u007f\u0001'],
      ['x', 'xX', 'Ab'],
    ];
    for (const values of samples) expect(gramsDocument(values)).toBe(reference(values));
  });
});
