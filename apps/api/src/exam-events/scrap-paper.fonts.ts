import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import type { Font } from 'fontkit';

/** A font embedded in the scrap paper, by the name it is registered under in each document. */
export interface SheetFont {
  readonly name: string;
  readonly font: Font;
}

/**
 * DejaVu Sans (regular and bold) sets every line; UnifontEX covers what it lacks: CJK, kana,
 * Hangul, most emoji and the rest of the Basic Multilingual Plane, in one weight only.
 */
export interface SheetFonts {
  readonly regular: SheetFont;
  readonly bold: SheetFont;
  readonly fallback: SheetFont;
}

/** Printed for a character that no embedded font covers, and for a control character. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

let loading: Promise<SheetFonts> | undefined;

/**
 * The fonts are read and parsed once per process, by the first sheet printed (about 16 MB of
 * buffers, UnifontEX's 13.8 MB once inflated); each document then embeds only the glyphs it uses.
 */
export function sheetFonts(): Promise<SheetFonts> {
  loading ??= loadSheetFonts().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * fontkit keeps each glyph it has met with the characters it was first laid out for, and a glyph
 * first met as part of another one (Z in Ż, A in Greek Α, when a document embeds those) with none:
 * a later document would embed that letter without its character, and it would be missing from the
 * PDF's text (copy, search), though printed. So each document starts by forgetting the glyphs, not
 * the parsed tables (a fresh parse per document took 50–150 ms more for 30 pages), and is laid out
 * and ended with no await in between.
 */
export function forgetGlyphs(fonts: SheetFonts): void {
  for (const { font } of [fonts.regular, fonts.bold, fonts.fallback]) (font as unknown as { _glyphs: object })._glyphs = {};
}

async function loadSheetFonts(): Promise<SheetFonts> {
  const { create } = await import('fontkit');
  const require = createRequire(import.meta.url);
  const open = (name: string, file: string): SheetFont => {
    let data = readFileSync(require.resolve(file));
    if (file.endsWith('.woff')) data = woffToSfnt(data);
    const font = create(data);
    if ('fonts' in font) throw new Error(`${file} is a font collection, not a font`);
    if (!('_glyphs' in font)) throw new Error('fontkit no longer keeps its glyphs in _glyphs (see forgetGlyphs)');
    return { name, font };
  };
  return {
    regular: open('DejaVuSans', 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    bold: open('DejaVuSans-Bold', 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
    fallback: open('UnifontEX', '@fontsource/unifontex/files/unifontex-latin-400-normal.woff'),
  };
}

/**
 * WOFF 1.0 to the TrueType/OpenType file it wraps: each table inflated once. fontkit reads a WOFF
 * itself, but inflates a table on every access: UnifontEX's 10 MB `glyf` for each glyph laid out
 * (0.5 s per name, 3 s to subset a few glyphs).
 */
export function woffToSfnt(woff: Buffer): Buffer {
  const view = new DataView(woff.buffer, woff.byteOffset, woff.byteLength);
  if (view.getUint32(0) !== 0x774f4646) throw new Error('not a WOFF file');
  const count = view.getUint16(12);
  const tables = Array.from({ length: count }, (_, i) => {
    const entry = 44 + i * 20;
    const [offset, compressed, length] = [view.getUint32(entry + 4), view.getUint32(entry + 8), view.getUint32(entry + 12)];
    const stored = new Uint8Array(woff.buffer, woff.byteOffset + offset, compressed);
    const data = compressed < length ? inflateSync(stored) : stored;
    if (data.length !== length) throw new Error('corrupt WOFF table');
    return { tag: view.getUint32(entry), checksum: view.getUint32(entry + 16), data };
  });
  const headerLength = 12 + count * 16;
  const sfnt = Buffer.alloc(tables.reduce((size, table) => size + ((table.data.length + 3) & ~3), headerLength));
  const out = new DataView(sfnt.buffer, sfnt.byteOffset, sfnt.byteLength);
  const entrySelector = Math.floor(Math.log2(count));
  const searchRange = 2 ** entrySelector * 16;
  out.setUint32(0, view.getUint32(4)); // the flavor: 0x00010000 (TrueType) or 'OTTO'
  out.setUint16(4, count);
  out.setUint16(6, searchRange);
  out.setUint16(8, entrySelector);
  out.setUint16(10, count * 16 - searchRange);
  let offset = headerLength;
  tables.forEach((table, i) => {
    out.setUint32(12 + i * 16, table.tag);
    out.setUint32(16 + i * 16, table.checksum);
    out.setUint32(20 + i * 16, offset);
    out.setUint32(24 + i * 16, table.data.length);
    sfnt.set(table.data, offset);
    offset += (table.data.length + 3) & ~3;
  });
  return sfnt;
}

/** A stretch of text set in one font. */
export interface FontRun {
  readonly font: SheetFont;
  readonly text: string;
}

const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u; // ZWJ, variation selectors, soft hyphen…
const CONTROL = /^[\p{Cc}\p{Cs}]$/u; // control characters, unpaired surrogates
const KEEPS_FONT = /^[\s\p{M}]$/u; // spaces and combining marks stay in the font of the run they are in

/**
 * Splits text into runs, each character in the first of `fonts` that has a glyph for it (after NFC,
 * so a letter typed as base plus accent finds its precomposed glyph). Invisible format characters
 * are dropped (a font without a glyph for one would print a box); a character no font covers, or a
 * control character, becomes U+FFFD in the first font.
 */
export function fontRuns(text: string, fonts: readonly SheetFont[]): FontRun[] {
  const runs: FontRun[] = [];
  let current: SheetFont | undefined;
  let pending = '';
  const add = (font: SheetFont, characters: string) => {
    if (font !== current) {
      if (current && pending) runs.push({ font: current, text: pending });
      current = font;
      pending = '';
    }
    pending += characters;
  };
  for (const character of text.normalize('NFC')) {
    if (IGNORABLE.test(character)) continue;
    const codePoint = character.codePointAt(0)!;
    if (current && KEEPS_FONT.test(character) && current.font.hasGlyphForCodePoint(codePoint)) {
      add(current, character);
      continue;
    }
    const font = CONTROL.test(character) ? undefined : fonts.find((candidate) => candidate.font.hasGlyphForCodePoint(codePoint));
    if (font) add(font, character);
    else add(fonts[0], REPLACEMENT_CHARACTER);
  }
  if (current && pending) runs.push({ font: current, text: pending });
  return runs;
}
