import bidiFactory from 'bidi-js';
import { lineBreaks, rightToLeftLevels, visualRuns } from './scrap-paper.bidi.js';
import { printableText } from './scrap-paper.fonts.js';

const bidi = (bidiFactory as unknown as typeof bidiFactory.default)();

/** The runs of a whole one-line text, left to right, as `text/rtl` or `text/ltr`. */
function printedRuns(text: string): string[] {
  const levels = rightToLeftLevels(text);
  if (levels === null) return [`${text}/ltr`];
  return visualRuns(text, levels, 0, text.length).map((run) => `${run.text}/${run.rightToLeft ? 'rtl' : 'ltr'}`);
}

describe('the scrap paper\'s right-to-left lines', () => {
  it('leaves a line without right-to-left text as typed', () => {
    expect(rightToLeftLevels('Łukasz Żółw 山田 2024')).toBeNull();
  });

  it('orders every right-to-left letter Unicode has (the one right-to-left mark is dropped before, as invisible)', () => {
    const missed: string[] = [];
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const letter = String.fromCodePoint(code);
      if (rightToLeftLevels(`a ${letter}`) === null && ['R', 'AL'].includes(bidi.getBidiCharTypeName(letter))) missed.push(code.toString(16));
    }
    expect(missed).toEqual(['200f']);
    expect(printableText('\u200F')).toBe('');
  });

  it('prints a right-to-left name as one run, its words kept together in logical order', () => {
    expect(printedRuns('מרים כהן')).toEqual(['מרים כהן/rtl']);
  });

  it('prints digits inside a right-to-left name left to right, between the words they stand between', () => {
    // Read from the right: כהן, then 2024, then דוד (each run's text in logical order, as fontkit takes it).
    expect(printedRuns('כהן 2024 דוד')).toEqual([' דוד/rtl', '2024/ltr', 'כהן /rtl']);
  });

  it('keeps a Latin name left to right with a Hebrew word inside it', () => {
    expect(printedRuns('Miriam מרים Cohen')).toEqual(['Miriam /ltr', 'מרים/rtl', ' Cohen/ltr']);
  });

  it('orders letters beyond the Basic Multilingual Plane by their class, not as two left-to-right halves', () => {
    // Adlam (right to left), whose letters take two UTF-16 units each.
    expect(printedRuns('\u{1E900}\u{1E901} 12 \u{1E902}')).toEqual([' \u{1E902}/rtl', '12/ltr', '\u{1E900}\u{1E901} /rtl']);
  });

  it('mirrors brackets in right-to-left text', () => {
    expect(printedRuns('דוד (בן) כהן')).toEqual(['דוד )בן( כהן/rtl']);
  });

  it('orders Chinese between two Arabic words as the Arabic reading order asks', () => {
    expect(printedRuns('محمد 中文 علي')).toEqual([' علي/rtl', '中文/ltr', 'محمد /rtl']);
  });

  it('orders one line of a longer paragraph on its own, its trailing space at the paragraph\'s level', () => {
    const text = 'אבג דהו 12 זחט';
    const levels = rightToLeftLevels(text)!;
    expect(visualRuns(text, levels, 0, 8)).toEqual([{ start: 0, end: 8, text: 'אבג דהו ', rightToLeft: true }]);
    expect(visualRuns(text, levels, 8, text.length)).toEqual([
      { start: 10, end: 14, text: ' זחט', rightToLeft: true },
      { start: 8, end: 10, text: '12', rightToLeft: false },
    ]);
  });
});

describe('lineBreaks', () => {
  /** Each character one unit wide. */
  const breaks = (text: string, maxWidth: number) => lineBreaks(text, (start, end) => [...text.slice(start, end)].length, maxWidth);

  it('keeps a text that fits on one line', () => {
    expect(breaks('abc def', 7)).toEqual([[0, 7]]);
  });

  it('breaks after spaces, leaving them off the line they end', () => {
    expect(breaks('abc def ghi', 8)).toEqual([
      [0, 7],
      [8, 11],
    ]);
  });

  it('cuts a word wider than a line between characters, never inside a surrogate pair', () => {
    expect(breaks('ab 😀😀😀😀😀 c', 3)).toEqual([
      [0, 2],
      [3, 9],
      [9, 13],
      [14, 15],
    ]);
  });
});
