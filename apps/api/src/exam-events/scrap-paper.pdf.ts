import type { Font } from 'fontkit';
import type { ScrapPaperSheet } from '../../../../libs/read-model/src/exam-events/exam-events.queries.js';
import { lineBreaks, ofRightToLeftScript, rightToLeftLevels, visualRuns } from './scrap-paper.bidi.js';
import { type FontRun, fontRuns, forgetGlyphs, inStandardFont, printableText, type SheetFont, sheetFontsFor } from './scrap-paper.fonts.js';

export const RETURN_NOTICE = 'This must be returned to the invigilator upon completion of the exam.';
export const NO_REGISTRATIONS = 'This exam event has no active registrations, so there is no scrap paper to print.';

/** A font's line height at `size`, as pdfkit computes it (ascent, descent and line gap). */
const lineHeight = (font: Font, size: number) => ((font.ascent - font.descent + font.lineGap) / font.unitsPerEm) * size;

/** The whole text laid out at once: without features, pdfkit lays out each word on its own and joins them left to right. */
const WHOLE_RUN = { features: [] };

let graphemes: Intl.Segmenter | undefined;

/** A letter (or digit) of some script: what fontkit judges a text's direction by (its first one). */
const SCRIPT_LETTER = /[^\p{Script=Common}\p{Script=Inherited}\p{Script=Unknown}]/u;

/**
 * A character's kind as fontkit sees a text's direction: of a right-to-left script, of another
 * script, or of none (spaces, punctuation, European digits, marks). A piece holds one kind of
 * letter, so that its first letter speaks for all of them, reversed or not.
 */
function letterKind(character: string): 'right-to-left' | 'other' | null {
  if (!SCRIPT_LETTER.test(character)) return null;
  return ofRightToLeftScript(character) ? 'right-to-left' : 'other';
}

/**
 * Whether fontkit sets `text` right to left. It reverses a text whose first letter is of a
 * right-to-left script, but only in its OpenType layout, so not in a font without layout tables
 * (UnifontEX: its Syriac or Thaana came out backwards). So it is asked, with that letter and a
 * space: the space comes first when fontkit reverses.
 */
function fontkitReverses({ font, text }: FontRun): boolean {
  const letter = SCRIPT_LETTER.exec(text)?.[0];
  if (letter === undefined) return false;
  const [first] = font.font.layout(`${letter} `, []).glyphs;
  return first.codePoints.includes(0x20);
}

/** A piece's text as pdfkit must be given it for fontkit to set it in the order wanted: reversed, by whole characters with their marks, when fontkit would set it otherwise. */
function inLayoutOrder(piece: FontRun, rightToLeft: boolean): string {
  if (fontkitReverses(piece) === rightToLeft) return piece.text;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return [...graphemes.segment(piece.text)].map(({ segment }) => segment).reverse().join('');
}

/** Sheets laid out between two turns of the event loop: a few milliseconds (0.5–4 ms a page). */
export const SHEETS_PER_TURN = 8;

/** The document being rendered, which the next one waits for. */
let rendering: Promise<unknown> = Promise.resolve();

/**
 * One page per sheet (spec §3); a single page saying so when there is none. pdfkit (fonts and
 * layout tables, about 19 MB of resident memory) is loaded by the first sheet printed, not by every
 * API process at start; the embedded fonts (scrap-paper.fonts.ts) by the first with a text beyond
 * Latin-1.
 *
 * Laid out SHEETS_PER_TURN sheets at a time, letting other requests run in between: an event of
 * 400 registrations with Greek and Chinese names held the event loop for seconds (session 21's
 * security review). Documents are rendered one after another, as each starts by forgetting the
 * glyphs fontkit remembered (forgetGlyphs), which must not happen in the middle of another.
 */
export function renderScrapPaper(event: { title: string; start: string }, sheets: readonly ScrapPaperSheet[]): Promise<Buffer> {
  const rendered = rendering.then(
    () => render(event, sheets),
    () => render(event, sheets),
  );
  rendering = rendered.catch(() => undefined);
  return rendered;
}

async function render(event: { title: string; start: string }, sheets: readonly ScrapPaperSheet[]): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const texts = [event.title, event.start, ...sheets.flatMap((sheet) => [sheet.LearnerName ?? '', sheet.LearnerCode ?? ''])];
  const fonts = await sheetFontsFor(texts); // not alongside: jest's ESM loader fails on two imports of fontkit at once
  const document = new PDFDocument({ size: 'LETTER', margin: 72, autoFirstPage: false });
  forgetGlyphs(fonts);
  // pdfkit takes a fontkit font as it takes a file (its types say only the latter).
  for (const sheetFont of [fonts?.regular, fonts?.bold, fonts?.fallback]) {
    if (sheetFont) document.registerFont(sheetFont.name, sheetFont.font as unknown as Buffer);
  }
  const chunks: Uint8Array[] = [];
  document.on('data', (chunk: Uint8Array) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    document.on('end', () => resolve(Buffer.concat(chunks)));
    document.on('error', reject);
  });

  /**
   * A line (wrapped if it is long). Latin-1 text in Helvetica, as any PDF reader extracts it; other
   * text in DejaVu Sans, each character it lacks in the fallback font on the same baseline, lines as
   * far apart as in DejaVu Sans; the fallback has one weight, so it is stroked as well as filled to
   * stand for bold.
   */
  const line = (text: string, weight: 'regular' | 'bold', size: number) => {
    const printed = printableText(text);
    if (fonts === null || inStandardFont(printed)) {
      document.font(weight === 'bold' ? 'Helvetica-Bold' : 'Helvetica', size).text(printed);
      return;
    }
    const primary = fonts[weight];
    const runs = fontRuns(printed, fonts.fallback ? [primary, fonts.fallback] : [primary]);
    if (bidiLines(runs, primary, weight, size)) return;
    const ascent = (primary.font.ascent / primary.font.unitsPerEm) * size;
    runs.forEach((run, i) => {
      const fauxBold = weight === 'bold' && run.font !== primary;
      if (fauxBold) document.lineWidth(size / 40);
      document.font(run.font.name, size).text(run.text, {
        continued: i < runs.length - 1,
        baseline: -ascent,
        lineGap: lineHeight(primary.font, size) - lineHeight(run.font.font, size),
        fill: true,
        stroke: fauxBold,
      });
    });
    document.font(primary.name, size); // what follows (moveDown) spaces as DejaVu Sans, not the fallback
  };

  /**
   * A line with right-to-left text (UAX #9, scrap-paper.bidi.ts), as `line` sets it in font runs:
   * broken into lines here, on the logical text, then each line's runs drawn in visual order from
   * the left margin, on the baseline `line` uses. A line is measured in the pieces it is drawn in
   * (one font, one level, one kind of letter each), so that it fits as drawn. False when nothing in
   * it is of a right-to-left script.
   */
  const bidiLines = (runs: readonly FontRun[], primary: SheetFont, weight: 'regular' | 'bold', size: number): boolean => {
    const shown = runs.map((run) => run.text).join(''); // U+FFFD where no font has a character
    const levels = rightToLeftLevels(shown);
    if (levels === null) return false;
    const fontAt = runs.flatMap((run) => Array.from({ length: run.text.length }, () => run.font));
    // Per UTF-16 unit: a character's second half (a low surrogate) is of no kind.
    const kindAt = Array.from(shown, (character) => [letterKind(character), ...(character.length > 1 ? [null] : [])]).flat();
    /** `text` (the part `[start, end)` of the line, as printed) in pieces of one font, one level and one kind of letter. */
    const pieces = (start: number, end: number, text = shown.slice(start, end)): FontRun[] => {
      const found: FontRun[] = [];
      let kind = kindAt[start];
      for (let from = start, to = start + 1; from < end; to++) {
        const sameKind = kindAt[to] === null || kind === null || kindAt[to] === kind;
        if (to < end && fontAt[to] === fontAt[from] && levels.levels[to] === levels.levels[from] && sameKind) {
          kind ??= kindAt[to];
          continue;
        }
        found.push({ font: fontAt[from], text: text.slice(from - start, to - start) });
        from = to;
        kind = kindAt[to];
      }
      return found;
    };
    const widthOf = (start: number, end: number) =>
      pieces(start, end).reduce((width, piece) => width + document.font(piece.font.name, size).widthOfString(piece.text, WHOLE_RUN), 0);
    const ascent = (primary.font.ascent / primary.font.unitsPerEm) * size;
    const { left, right } = document.page.margins;
    for (const [start, end] of lineBreaks(shown, widthOf, document.page.width - left - right)) {
      // As pdfkit's own wrapping does: a line that would pass the bottom margin goes on a new page.
      if (document.y + lineHeight(primary.font, size) > document.page.height - document.page.margins.bottom) document.addPage();
      document.x = left;
      for (const run of visualRuns(shown, levels, start, end)) {
        const inRun = pieces(run.start, run.end, run.text);
        for (const piece of run.rightToLeft ? inRun.reverse() : inRun) {
          const fauxBold = weight === 'bold' && piece.font !== primary;
          if (fauxBold) document.lineWidth(size / 40);
          document.font(piece.font.name, size).text(inLayoutOrder(piece, run.rightToLeft), { ...WHOLE_RUN, lineBreak: false, baseline: -ascent, fill: true, stroke: fauxBold });
        }
      }
      document.x = left;
      document.y += lineHeight(primary.font, size);
    }
    document.font(primary.name, size);
    return true;
  };

  const header = () => {
    document.addPage();
    line('Scrap Paper', 'bold', 24);
    document.moveDown(0.5);
    line(event.title, 'regular', 12);
    line(event.start, 'regular', 12);
    document.moveDown();
  };
  if (sheets.length === 0) {
    header();
    line(NO_REGISTRATIONS, 'regular', 12);
  }
  for (const [index, sheet] of sheets.entries()) {
    if (index > 0 && index % SHEETS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    header();
    line(sheet.LearnerName ?? '', 'bold', 12);
    line(sheet.LearnerCode ?? '', 'regular', 12);
    document.moveDown();
    line(RETURN_NOTICE, 'regular', 12);
    document.moveDown();
    line(`Passcode: ${sheet.Passcode}`, 'regular', 12);
  }
  document.end();
  return done;
}
