import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Font } from 'fontkit';
import { woffToSfnt } from './woff-to-sfnt.js';

/** A font embedded in the scrap paper, by the name it is registered under in each document. */
export interface SheetFont {
  readonly name: string;
  readonly font: Font;
}

/**
 * Embedded fonts for lines beyond Latin-1: DejaVu Sans (regular and bold) sets them; UnifontEX
 * covers what it lacks: CJK, kana, Hangul, most emoji and the rest of the Basic Multilingual
 * Plane, in one weight only. Each is loaded only for sheets that need it.
 */
export interface SheetFonts {
  readonly regular: SheetFont;
  readonly bold: SheetFont;
  readonly fallback?: SheetFont;
}

/** Printed for a character that no embedded font covers, and for a control character. */
const REPLACEMENT_CHARACTER = '\uFFFD';

let dejaVu: Promise<Pick<SheetFonts, 'regular' | 'bold'>> | undefined;
let unifont: Promise<SheetFont> | undefined;

/**
 * The embedded fonts a document carrying `texts` needs: none when every text is Latin-1 (set in
 * the standard Helvetica, see `inStandardFont`). Each font is read and parsed once per process,
 * when a sheet first needs it: DejaVu Sans by the first sheet with a text beyond Latin-1 (1.5 MB),
 * UnifontEX (13.8 MB once inflated, about 40 MB of resident memory when laid out) by the first
 * with a character that DejaVu Sans lacks. Each document then embeds only the glyphs it uses.
 */
export async function sheetFontsFor(texts: readonly string[]): Promise<SheetFonts | null> {
  const beyondLatin1 = texts.map(printableText).filter((printed) => !inStandardFont(printed));
  if (beyondLatin1.length === 0) return null;
  const { regular, bold } = await (dejaVu ??= retryable(async () => ({
    regular: await openFont('DejaVuSans', 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    bold: await openFont('DejaVuSans-Bold', 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  }), () => (dejaVu = undefined)));
  const dejaVuLacks = (character: string) => printable(character) && !(covers(regular, character) && covers(bold, character));
  if (!beyondLatin1.some((printed) => [...printed].some(dejaVuLacks))) return { regular, bold };
  const fallback = await (unifont ??= retryable(() => openFont('UnifontEX', '@fontsource/unifontex/files/unifontex-latin-400-normal.woff'), () => (unifont = undefined)));
  return { regular, bold, fallback };
}

/** A load that failed is tried again by the next sheet, not remembered. */
function retryable<T>(load: () => Promise<T>, forget: () => void): Promise<T> {
  return load().catch((error: unknown) => {
    forget();
    throw error;
  });
}

/**
 * fontkit keeps each glyph it has met with the characters it was first laid out for, and a glyph
 * first met as part of another one (Z in Ż, A in Greek Α, when a document embeds those) with none:
 * a later document would embed that letter without its character, and it would be missing from the
 * PDF's text (copy, search), though printed. So each document starts by forgetting the glyphs, not
 * the parsed tables (a fresh parse per document took 50–150 ms more for 30 pages), and is laid out
 * and ended with no await in between.
 */
export function forgetGlyphs(fonts: SheetFonts | null): void {
  for (const sheetFont of [fonts?.regular, fonts?.bold, fonts?.fallback]) {
    if (sheetFont) (sheetFont.font as unknown as { _glyphs: object })._glyphs = {};
  }
}

async function openFont(name: string, file: string): Promise<SheetFont> {
  const { create } = await import('fontkit');
  let data = readFileSync(createRequire(import.meta.url).resolve(file));
  if (file.endsWith('.woff')) data = woffToSfnt(data);
  const font = create(data);
  if ('fonts' in font) throw new Error(`${file} is a font collection, not a font`);
  if (!('_glyphs' in font)) throw new Error('fontkit no longer keeps its glyphs in _glyphs (see forgetGlyphs)');
  return { name, font };
}

/** A stretch of text set in one font. */
export interface FontRun {
  readonly font: SheetFont;
  readonly text: string;
}

const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u; // ZWJ, variation selectors, soft hyphen…
const CONTROL = /^[\p{Cc}\p{Cs}]$/u; // control characters, unpaired surrogates
const KEEPS_FONT = /^[\s\p{M}]$/u; // spaces and combining marks stay in the font of the run they are in

/** A character some font should print: not an invisible format character, not a control character. */
const printable = (character: string) => !IGNORABLE.test(character) && !CONTROL.test(character);
const covers = ({ font }: SheetFont, character: string) => font.hasGlyphForCodePoint(character.codePointAt(0)!);

/** What Helvetica, the PDF standard font, prints: printable Latin-1 (in its WinAnsi encoding). */
const LATIN1 = /^[\x20-\x7E\xA0-\xFF]*$/;

/**
 * Text to print: composed (NFC, so a letter typed as base plus accent is one character) and without
 * invisible format characters (ZWJ, variation selectors, soft hyphen…; a font without a glyph for
 * one would print a box, and an emoji sequence prints as its parts).
 */
export function printableText(text: string): string {
  return [...text.normalize('NFC')].filter((character) => !IGNORABLE.test(character)).join('');
}

/**
 * Whether a `printableText` is set in Helvetica, the PDF standard font: every character Latin-1.
 * Its text is then plain WinAnsi strings, which every PDF reader and text extractor reads (an
 * embedded font's text is glyph numbers with a map back to characters, which simple extractors do
 * not follow).
 */
export function inStandardFont(printed: string): boolean {
  return LATIN1.test(printed);
}

/**
 * Splits a `printableText` into runs, each character in the first of `fonts` that has a glyph for
 * it; a character no font covers, or a control character, becomes U+FFFD in the first font.
 */
export function fontRuns(printed: string, fonts: readonly SheetFont[]): FontRun[] {
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
  for (const character of printed) {
    if (current && KEEPS_FONT.test(character) && covers(current, character)) {
      add(current, character);
      continue;
    }
    const font = CONTROL.test(character) ? undefined : fonts.find((candidate) => covers(candidate, character));
    if (font) add(font, character);
    else add(fonts[0], REPLACEMENT_CHARACTER);
  }
  if (current && pending) runs.push({ font: current, text: pending });
  return runs;
}
