import { create, type Font } from 'fontkit';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { woffToSfnt } from './woff-to-sfnt.js';

const woff = readFileSync(createRequire(import.meta.url).resolve('@fontsource/unifontex/files/unifontex-latin-400-normal.woff'));

describe('woffToSfnt', () => {
  it('unwraps a WOFF into the font it holds: the same glyphs, outlines and metrics', () => {
    const [wrapped, unwrapped] = [create(woff), create(woffToSfnt(woff))] as Font[];
    expect(unwrapped.numGlyphs).toBe(wrapped.numGlyphs);
    expect(unwrapped.unitsPerEm).toBe(wrapped.unitsPerEm);
    for (const character of ['A', '山', '한']) {
      const [a, b] = [wrapped, unwrapped].map((font) => font.glyphForCodePoint(character.codePointAt(0)!));
      expect(b.id).toBe(a.id);
      expect(b.advanceWidth).toBe(a.advanceWidth);
      expect(b.path.toSVG()).toBe(a.path.toSVG());
    }
  });

  it('refuses what is not a WOFF', () => {
    expect(() => woffToSfnt(Buffer.from('OTTO and something else entirely, long enough'))).toThrow('not a WOFF file');
  });
});
