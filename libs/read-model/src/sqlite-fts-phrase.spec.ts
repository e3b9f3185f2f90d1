import { ftsPhrase, MAX_PHRASE_CHARACTERS, trigramPhrase } from './sqlite-fts-phrase.js';

describe('FTS5 phrases', () => {
  it('quotes the text, doubling its double quotes', () => {
    expect(ftsPhrase('say "hi"')).toBe('"say ""hi"""');
  });

  it('asks the trigram index for at most the first 12 characters of a long needle, counted in code points', () => {
    expect(MAX_PHRASE_CHARACTERS).toBe(12);
    expect(trigramPhrase('a'.repeat(500))).toBe(`"${'a'.repeat(12)}"`);
    expect(trigramPhrase('🐛'.repeat(20))).toBe(`"${'🐛'.repeat(12)}"`);
    expect(trigramPhrase('"'.repeat(20))).toBe(`"${'""'.repeat(12)}"`);
    expect(trigramPhrase('ada')).toBe('"ada"');
  });
});
