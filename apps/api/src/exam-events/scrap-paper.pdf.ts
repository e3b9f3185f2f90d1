import type { Font } from 'fontkit';
import type { ScrapPaperSheet } from '../../../../libs/read-model/src/exam-events/exam-events.queries.js';
import type { EmbeddingLevels } from 'bidi-js';
import { lineBreaks, rightToLeftLevels, visualRuns } from './scrap-paper.bidi.js';
import { type FontRun, fontRuns, forgetGlyphs, inStandardFont, printableText, REPLACEMENT_CHARACTER, type SheetFont, sheetFontsFor } from './scrap-paper.fonts.js';

export const RETURN_NOTICE = 'This must be returned to the invigilator upon completion of the exam.';
export const NO_REGISTRATIONS = 'This exam event has no active registrations, so there is no scrap paper to print.';

/** A font's line height at `size`, as pdfkit computes it (ascent, descent and line gap). */
const lineHeight = (font: Font, size: number) => ((font.ascent - font.descent + font.lineGap) / font.unitsPerEm) * size;

/** The whole text laid out at once: without features, pdfkit lays out each word on its own and joins them left to right. */
const WHOLE_RUN = { features: [] };

const CONTROLS = /[\p{Cc}\p{Cs}]/gu; // printed as U+FFFD (fontRuns), so ordered as one
let graphemes: Intl.Segmenter | undefined;

/**
 * A run's text as pdfkit must be given it for fontkit to set it in the order wanted. fontkit
 * reverses a text whose first letter is of a right-to-left script, and only such a text: a
 * right-to-left run without such a letter (spaces, punctuation), or a left-to-right one with one
 * (Arabic-Indic digits), is given reversed, by whole characters with their marks.
 */
function inLayoutOrder({ font, text }: FontRun, rightToLeft: boolean): string {
  if ((font.font.layout(text, []).direction === 'rtl') === rightToLeft) return text;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return [...graphemes.segment(text)].map(({ segment }) => segment).reverse().join('');
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
    const shown = printed.replace(CONTROLS, REPLACEMENT_CHARACTER);
    const levels = rightToLeftLevels(shown);
    if (levels) {
      bidiLines(shown, levels, primary, weight, size);
      return;
    }
    const runs = fontRuns(printed, fonts.fallback ? [primary, fonts.fallback] : [primary]);
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
   * A line with right-to-left text (UAX #9, scrap-paper.bidi.ts): broken into lines here, on the
   * logical text, then each line's runs drawn in visual order from the left margin, in the fonts
   * and on the baseline `line` uses.
   */
  const bidiLines = (shown: string, levels: EmbeddingLevels, primary: SheetFont, weight: 'regular' | 'bold', size: number) => {
    const sheetFonts = fonts?.fallback ? [primary, fonts.fallback] : [primary];
    const widthOf = (text: string) =>
      fontRuns(text, sheetFonts).reduce((width, run) => width + document.font(run.font.name, size).widthOfString(run.text, WHOLE_RUN), 0);
    const ascent = (primary.font.ascent / primary.font.unitsPerEm) * size;
    const { left, right } = document.page.margins;
    for (const [start, end] of lineBreaks(shown, widthOf, document.page.width - left - right)) {
      document.x = left;
      for (const run of visualRuns(shown, levels, start, end)) {
        const pieces = fontRuns(run.text, sheetFonts);
        for (const piece of run.rightToLeft ? pieces.reverse() : pieces) {
          const fauxBold = weight === 'bold' && piece.font !== primary;
          if (fauxBold) document.lineWidth(size / 40);
          document.font(piece.font.name, size).text(inLayoutOrder(piece, run.rightToLeft), { ...WHOLE_RUN, lineBreak: false, baseline: -ascent, fill: true, stroke: fauxBold });
        }
      }
      document.x = left;
      document.y += lineHeight(primary.font, size);
    }
    document.font(primary.name, size);
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
