import fc from 'fast-check';
import { foldedSubstringPattern, foldText } from './text-fold.js';

/** Letters whose cases Unicode maps unusually, regex syntax, an astral pair of cases, a combining mark. */
const TRICKY = ['a', 'A', 'i', 'I', 'İ', 'ı', '\u0307', 's', 'S', 'ſ', 'k', 'K', '\u212A', 'ß', 'ẞ', 'σ', 'Σ', 'ς', 'β', 'ϐ', 'θ', 'ϑ',
  'é', 'É', 'e\u0301', '𐐀', '𐐨', 'Ǆ', 'ǅ', 'ǆ', 'ﬁ', 'ι', '\u0345', 'Ω', '\u2126', 'Ꭰ', 'ꭰ', '.', '*', '(', '[', ']', '-', '\\', '^', '$', '|', '/', ' ', '\0'];
const text = (maxLength: number) => fc.array(fc.constantFrom(...TRICKY), { minLength: 1, maxLength }).map((parts) => parts.join(''));

describe('foldedSubstringPattern (MongoDB $contains)', () => {
  it('matches a text exactly when the folded needle is a substring of the folded text', () => {
    fc.assert(
      fc.property(text(8), text(3), (haystack, needle) => {
        expect(new RegExp(foldedSubstringPattern(needle)).test(haystack)).toBe(foldText(haystack).includes(foldText(needle)));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds what the SQLite fold finds where a case-insensitive regex would not, and only that', () => {
    const finds = (haystack: string, needle: string) => new RegExp(foldedSubstringPattern(needle)).test(haystack);
    expect(finds('İlker', 'i')).toBe(true);
    expect(finds('İlker', 'İL')).toBe(true);
    expect(finds('Straſse', 'strass')).toBe(false);
    expect(finds('ϐeta', 'β')).toBe(false);
    expect(finds('KELVIN \u212A', 'k')).toBe(true);
    expect(finds('ΟΔΥΣΣΕΥΣ', 'σς')).toBe(true);
  });

  it('writes hostile text as literals that JavaScript and PCRE2 read alike, NUL as an escape', () => {
    for (const hostile of ['.*', '(', ')', '\\', '\\d', '[a-z]', '[^a]', 'a{2}', '^$', 'a|b', '(?i)', '+?', '/', '-', 'x\u2028y', '🐛.']) {
      const pattern = new RegExp(foldedSubstringPattern(hostile));
      expect([hostile, pattern.test(`before ${hostile} after`), pattern.test('before after')]).toEqual([hostile, true, false]);
    }
    expect(foldedSubstringPattern('a\0b')).not.toContain('\0');
    // Escapes PCRE2 reads otherwise than JavaScript (\u…, \x{…}) are never written.
    expect(foldedSubstringPattern('Σ𐐀\0')).not.toMatch(/\\u|\\x\{/);
  });

  it('knows every character that folds to another, as a scan of every code point finds them', () => {
    const scanned = new Set<string>();
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const raw = String.fromCodePoint(cp);
      const folded = foldText(raw);
      if (folded !== raw && [...folded].length === 1) scanned.add(raw);
    }
    // Each such character is among the alternatives of its fold.
    const missing = [...scanned].filter((raw) => !new RegExp(`^${foldedSubstringPattern(foldText(raw))}$`).test(raw));
    expect(missing).toEqual([]);
    expect(scanned.size).toBeGreaterThan(1400);
  });
});
