import bidiModule, { type Bidi, type BidiCharTypeName, type EmbeddingLevels } from 'bidi-js';

let made: Bidi | undefined;
/** Made by the first line with right-to-left text (its tables take about 7 MB), not by every API process. */
// bidi-js is CommonJS: its module.exports is the factory, which its types declare as a default export.
const bidi = () => (made ??= (bidiModule as unknown as typeof bidiModule.default)());

/**
 * The Unicode Bidirectional Algorithm (UAX #9, through bidi-js) for a printed line. fontkit, which
 * lays out each stretch of text pdfkit draws, reverses a stretch whose first letter is of a
 * right-to-left script and nothing else: it does not order a Hebrew name beside its digits or a
 * Latin word, nor mirror brackets. So the scrap paper resolves the levels itself, breaks a long
 * line where the logical text allows, orders each printed line's runs visually, and gives fontkit
 * each run in the direction fontkit will lay it out.
 */

/**
 * Where Unicode places the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, NKo, Adlam…,
 * their presentation forms), every right-to-left letter (Bidi_Class R and AL) among them, and
 * their own digits (Arabic-Indic, Persian). The explicit marks and embeddings are dropped before
 * (printableText), so a text with none of these has no right-to-left level.
 */
const RIGHT_TO_LEFT_BLOCKS = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF\u{10800}-\u{10FFF}\u{1E800}-\u{1EFFF}]/u;

/** Whether `character` is of a right-to-left script (a letter, or a digit such as `١`), for fontkit a reason to reverse a text. */
export const ofRightToLeftScript = (character: string) => RIGHT_TO_LEFT_BLOCKS.test(character);

/** A character of the Basic Multilingual Plane of each bidirectional class a character beyond it can have. */
const STAND_INS: Partial<Record<BidiCharTypeName, string>> = { R: '\u05D0', AL: '\u0627', EN: '0', AN: '\u0660', NSM: '\u0300', BN: '\u200B', WS: ' ', L: 'a' };

/**
 * bidi-js reads a string by UTF-16 units, so a letter beyond the Basic Multilingual Plane (Adlam,
 * which the fallback font prints) would count as two left-to-right halves. Its levels are those of
 * a string where each such letter is two units of a character of its class.
 */
function withStandIns(printed: string): string {
  return printed.replace(/[\u{10000}-\u{10FFFF}]/gu, (character) => (STAND_INS[bidi().getBidiCharTypeName(character)] ?? '!').repeat(2));
}

/**
 * A paragraph's resolved levels; null when nothing in it is of a right-to-left script (it prints
 * as typed). A text with such digits alone (`١٢٣٤`, `a ١٢٣٤ b`) has them too: fontkit would
 * reverse the digits, which read left to right.
 */
export function rightToLeftLevels(printed: string): EmbeddingLevels | null {
  if (!RIGHT_TO_LEFT_BLOCKS.test(printed)) return null;
  return bidi().getEmbeddingLevels(withStandIns(printed), 'auto');
}

/** A stretch of one line at one level: `[start, end)` of the text, and that text with brackets of a right-to-left level mirrored. */
export interface LevelRun {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly rightToLeft: boolean;
}

/**
 * The line `start`–`end` (UTF-16 indices, end exclusive) of `printed` as runs of one level each,
 * in the order they are printed, left to right (rule L2; whitespace at the line's end takes the
 * paragraph's level, rule L1).
 */
export function visualRuns(printed: string, levels: EmbeddingLevels, start: number, end: number): LevelRun[] {
  if (end <= start) return [];
  const mirrored = bidi().getMirroredCharactersMap(printed, levels.levels, start, end - 1);
  const order = bidi().getReorderedIndices(printed, levels, start, end - 1).slice(start, end); // the whole text's indices, the line's reordered
  const runs: LevelRun[] = [];
  let i = 0;
  while (i < order.length) {
    const level = levels.levels[order[i]];
    let j = i + 1;
    while (j < order.length && levels.levels[order[j]] === level) j++;
    // Indices of one level are contiguous in the logical text: ascending when printed left to right, else descending.
    const runStart = Math.min(order[i], order[j - 1]);
    const runEnd = Math.max(order[i], order[j - 1]) + 1;
    let text = '';
    for (let index = runStart; index < runEnd; index++) text += mirrored.get(index) ?? printed[index];
    runs.push({ start: runStart, end: runEnd, text, rightToLeft: level % 2 === 1 });
    i = j;
  }
  return runs;
}

/**
 * Where to break `printed` into lines no wider than `maxWidth`, as `[start, end)` ranges without
 * the spaces a line ends with: after spaces, or between the characters of a word wider than a line
 * on its own. Breaking happens on the logical text, before each line is ordered (UAX #9, 3.4).
 * `widthOf(start, end)` is the printed width of that part of the text; widths add up word by word
 * (kerning across a space is ignored: a point at most).
 */
export function lineBreaks(printed: string, widthOf: (start: number, end: number) => number, maxWidth: number): Array<[number, number]> {
  const lines: Array<[number, number]> = [];
  const endLine = (start: number, end: number) => lines.push([start, start + printed.slice(start, end).trimEnd().length]);
  let lineStart = 0;
  let lineEnd = 0; // the end of the words placed on the current line, their spaces included
  let lineWidth = 0; // their width, spaces included
  for (const match of printed.matchAll(/\S*\s*/gu)) {
    const [word] = match;
    if (word === '') continue;
    const lettersEnd = match.index + word.trimEnd().length;
    const wordEnd = match.index + word.length;
    const lettersWidth = widthOf(match.index, lettersEnd);
    const spacesWidth = lettersEnd < wordEnd ? widthOf(lettersEnd, wordEnd) : 0;
    if (lineEnd > lineStart && lineWidth + lettersWidth > maxWidth) {
      endLine(lineStart, lineEnd);
      lineStart = match.index;
      lineWidth = 0;
    }
    if (lineWidth + lettersWidth <= maxWidth) {
      lineWidth += lettersWidth + spacesWidth;
    } else {
      // A word wider than a line on its own: cut between characters.
      let cut = lineStart;
      for (const character of printed.slice(lineStart, lettersEnd)) {
        const next = cut + character.length;
        if (cut > lineStart && widthOf(lineStart, next) > maxWidth) {
          endLine(lineStart, cut);
          lineStart = cut;
        }
        cut = next;
      }
      lineWidth = widthOf(lineStart, cut) + spacesWidth;
    }
    lineEnd = wordEnd;
  }
  if (lineEnd > lineStart) endLine(lineStart, lineEnd);
  return lines;
}
