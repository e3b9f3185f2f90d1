import { PDFParse } from 'pdf-parse';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { sheetFontsFor } from './scrap-paper.fonts.js';
import { NO_REGISTRATIONS, RETURN_NOTICE, renderScrapPaper, SHEETS_PER_TURN } from './scrap-paper.pdf.js';

async function pagesOf(pdf: Buffer, itemJoiner?: string): Promise<string[]> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText(itemJoiner === undefined ? {} : { itemJoiner })).pages.map((page) => page.text);
  } finally {
    await parser.destroy();
  }
}

const event = { title: 'North Hall / Chemistry', start: '2030-03-01T09:00:00-08:00' };

describe('renderScrapPaper', () => {
  it('prints one page per sheet, in the order given, with everything the invigilator needs', async () => {
    const pdf = await renderScrapPaper(event, [
      { LearnerName: 'Ada Lovelace', LearnerCode: 'P-1', Passcode: 'K7M2Q9WXR4TZ' },
      { LearnerName: 'Grace Hopper', LearnerCode: null, Passcode: 'H3N8C6VBJ2LP' },
    ]);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = await pagesOf(pdf);
    expect(pages).toHaveLength(2);
    for (const text of ['Scrap Paper', event.title, event.start, 'Ada Lovelace', 'P-1', RETURN_NOTICE, 'K7M2Q9WXR4TZ']) {
      expect(pages[0]).toContain(text);
    }
    expect(pages[1]).toContain('Grace Hopper');
    expect(pages[1]).toContain('H3N8C6VBJ2LP');
    expect(pages[1]).not.toContain('Ada Lovelace');
  });

  it('prints names, codes and titles in any script that an embedded font covers exactly as given', async () => {
    const names = [
      'Łukasz Żółw', // Polish (Latin Extended-A)
      'Řehoř Čapek', // Czech
      'Şükrü Ğündüz İnce ılık', // Turkish
      'Ștefan Țurcanu', // Romanian (comma below, Latin Extended-B)
      'Nguyễn Thị Ánh Tuyết', // Vietnamese (Latin Extended Additional)
      'Ǆemal Ǉubić ƒ', // Latin Extended-B
      'Αλέξανδρος Παπαδόπουλος', // Greek
      'Алексей Щёкин', // Cyrillic
      '山田太郎', // Japanese kanji
      'やまだ ヤマダ', // kana
      '王小明', // Chinese
      '김민준', // Korean
      '😀 Smiley', // emoji
    ];
    const unicodeEvent = { title: 'Salle Nord / Chimie — Χημεία / Химия / 化学', start: event.start };
    const sheets = names.map((name, i) => ({ LearnerName: name, LearnerCode: `Ж-${i} ü`, Passcode: 'K7M2Q9WXR4TZ' }));
    const pages = await pagesOf(await renderScrapPaper(unicodeEvent, sheets));
    expect(pages).toHaveLength(names.length);
    names.forEach((name, i) => {
      for (const text of ['Scrap Paper', unicodeEvent.title, name, `Ж-${i} ü`, RETURN_NOTICE, 'Passcode: K7M2Q9WXR4TZ']) {
        expect(pages[i]).toContain(text);
      }
    });
  });

  it('prints U+FFFD for a character no embedded font covers, drops invisible format characters, composes accents', async () => {
    const pages = await pagesOf(
      await renderScrapPaper(event, [
        { LearnerName: 'Ada \u{20000} Lovelace \u{1FAE8}', LearnerCode: 'P-\u{E000}1', Passcode: 'K7M2Q9WXR4TZ' },
        { LearnerName: 'Grace \u2764\uFE0F Hop\u200Bper Zoe\u0308', LearnerCode: 'Q\u00072', Passcode: 'H3N8C6VBJ2LP' },
      ]),
    );
    expect(pages[0]).toContain('Ada \uFFFD Lovelace \uFFFD');
    expect(pages[0]).toContain('P-\uFFFD1');
    expect(pages[1]).toContain('Grace \u2764 Hopper Zo\u00EB');
    expect(pages[1]).toContain('Q\uFFFD2');
  });

  it('keeps a letter in the text of a document printed after one that embedded it as part of another', async () => {
    await renderScrapPaper(event, [{ LearnerName: 'Żaneta Αλφα', LearnerCode: null, Passcode: 'K7M2Q9WXR4TZ' }]);
    const [page] = await pagesOf(await renderScrapPaper(event, [{ LearnerName: 'Zed Łada', LearnerCode: null, Passcode: 'K7M2Q9WXR4TZ' }]));
    expect(page).toContain('Zed Łada');
  });

  it('lets the event loop run between a few sheets of a long document (an event of 400 Greek and Chinese names held it for seconds)', async () => {
    const sheets = Array.from({ length: 10 * SHEETS_PER_TURN }, (_, i) => ({ LearnerName: `Σωκράτης 孔子 ${i}`, LearnerCode: null, Passcode: 'K7M2Q9WXR4TZ' }));
    let turns = 0;
    let rendering = true;
    const count = () => {
      turns += 1;
      if (rendering) setImmediate(count);
    };
    setImmediate(count);
    const pdf = await renderScrapPaper(event, sheets);
    rendering = false;
    expect(turns).toBeGreaterThanOrEqual(9);
    expect(await pagesOf(pdf)).toHaveLength(sheets.length);
  });

  it('renders documents asked for at once one after another, each with its own text', async () => {
    // Each document starts by forgetting fontkit's glyphs: the short one must wait for the long one.
    const finished: string[] = [];
    const [first, second] = await Promise.all([
      renderScrapPaper(event, Array.from({ length: 3 * SHEETS_PER_TURN }, () => ({ LearnerName: 'Żaneta Αλφα', LearnerCode: null, Passcode: 'K7M2Q9WXR4TZ' }))).then((pdf) => {
        finished.push('long');
        return pdf;
      }),
      renderScrapPaper(event, [{ LearnerName: 'Zed Łada 孔子', LearnerCode: null, Passcode: 'K7M2Q9WXR4TZ' }]).then((pdf) => {
        finished.push('short');
        return pdf;
      }),
    ]);
    expect(finished).toEqual(['long', 'short']);
    expect((await pagesOf(first)).every((page) => page.includes('Żaneta Αλφα'))).toBe(true);
    expect((await pagesOf(second))[0]).toContain('Zed Łada 孔子');
  });

  /**
   * Each line of a page as the pieces of text drawn on it, left to right. A PDF reader gives a
   * right-to-left piece in reading order (pdf.js reverses it back), a left-to-right one as drawn.
   */
  async function piecesOfLines(pdf: Buffer): Promise<string[][][]> {
    return (await pagesOf(pdf, '|')).map((page) =>
      page.split('\n').map((line) => line.split('|').map((piece) => piece.trim()).filter(Boolean)),
    );
  }

  it('prints right-to-left names in reading order, with digits, Latin and Chinese where the bidirectional algorithm puts them', async () => {
    const names: Array<[string, string[]]> = [
      ['מרים כהן', ['מרים כהן']], // one right-to-left piece: מרים on the right, כהן to its left
      ['مريم حسن', ['مريم حسن']],
      ['כהן 2024 דוד', ['דוד', '2024', 'כהן']], // read from the right: כהן, 2024, דוד
      ['Miriam מרים Cohen', ['Miriam', 'מרים', 'Cohen']],
      ['محمد 中文 علي', ['علي', '中文', 'محمد']],
      // Set in the fallback font, which has no layout tables: fontkit does not reverse it itself.
      ['ܐܒ ܓܕ', ['ܐܒ ܓܕ']], // Syriac
      ['محمد ݐݑݒ', ['ݐݑݒ', 'محمد']], // a word of Arabic Supplement letters only
      ['مريم', ['مريم']], // its first and last letters the same
      ['מרים Smith כהן Jones', ['Jones', 'כהן', 'Smith', 'מרים']],
      // Arabic-Indic and Persian digits read left to right, with or without right-to-left letters.
      ['١٢٣٤', ['١٢٣٤']],
      ['a ١٢٣٤ b', ['a', '١٢٣٤', 'b']],
      ['٢٠٢٤ John Smith', ['٢٠٢٤', 'John Smith']],
      ['۹۸ ab מרים', ['۹۸', 'ab', 'מרים']],
    ];
    const sheets = names.map(([name]) => ({ LearnerName: name, LearnerCode: 'P-1', Passcode: 'K7M2Q9WXR4TZ' }));
    const pages = await piecesOfLines(await renderScrapPaper(event, sheets));
    names.forEach(([, pieces], i) => expect(pages[i]).toContainEqual(pieces));
  });

  it('wraps a long right-to-left title on the logical text: its first words on the first line, each line in reading order', async () => {
    const letters = 'אבגדהוזחטיכלמנסעפצקרשת';
    const words = Array.from({ length: 60 }, (_, i) => letters[i % 22] + letters[(i * 7 + 3) % 22] + letters[(i * 5 + 11) % 22]);
    const title = words.join(' ');
    const [page] = await piecesOfLines(await renderScrapPaper({ title, start: event.start }, [{ LearnerName: 'Ada', LearnerCode: null, Passcode: 'K7M2Q9WXR4TZ' }]));
    const titleLines = page.filter((pieces) => pieces.some((piece) => /[א-ת]/.test(piece)));
    expect(titleLines.length).toBeGreaterThan(1);
    expect(titleLines.every((pieces) => pieces.length === 1)).toBe(true);
    expect(titleLines.map(([piece]) => piece).join(' ')).toBe(title);
  });

  /** `unit` repeated to `length` characters, trimmed. */
  const repeated = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length).trim();

  /** Every non-blank piece of text drawn, with its page and position in points (pdf.js: y from the bottom). */
  async function placedText(pdf: Buffer): Promise<{ pages: number; pieces: Array<{ page: number; text: string; left: number; right: number; baseline: number }> }> {
    const document = await getDocument({ data: new Uint8Array(pdf), disableFontFace: true, verbosity: 0 }).promise;
    const pieces = [];
    for (let page = 1; page <= document.numPages; page++) {
      const { items } = await (await document.getPage(page)).getTextContent();
      for (const item of items) {
        if (!('transform' in item) || item.str.trim() === '') continue;
        pieces.push({ page, text: item.str, left: item.transform[4], right: item.transform[4] + item.width, baseline: item.transform[5] });
      }
    }
    const pages = document.numPages;
    await document.destroy();
    return { pages, pieces };
  }

  it('keeps long lines that mix scripts and directions within the margins', async () => {
    const names = [
      repeated('山 م 太 ١ ', 500),
      repeated('山田 محمد 太郎 ١٢٣ ', 500),
      repeated('مريم 😀 حسن (٢٠٢٤) 12 ', 500),
      repeated('ܐܒ ܓܕ ', 300),
      repeated('لااسلام لأن لإ لآ لا سلام علاء ', 500), // lam-alef ligatures at both ends of a run
    ];
    const title = `${repeated('山田 محمد 太郎 ١٢٣ ', 300)} / ${repeated('太郎 מרים 😀 ', 400)}`;
    const pdf = await renderScrapPaper({ title, start: event.start }, names.map((name) => ({ LearnerName: name, LearnerCode: null, Passcode: 'K7M2Q9WXR4TZ' })));
    const outside = (await placedText(pdf)).pieces
      .filter(({ left, right }) => left < 71.5 || right > 540.5)
      .map(({ page, text, left, right }) => `page ${page}: ${text} from ${left.toFixed(1)} to ${right.toFixed(1)} pt`);
    expect(outside).toEqual([]); // the page is 612 pt wide, with margins of 72
  });

  it('goes on to a new page with a right-to-left text too long for one, losing nothing below the bottom', async () => {
    const title = `${repeated('ܐܒܓ ܕܗ ', 500)} / ${repeated('ࠀࠁࠂ ࠃ ', 500)}`;
    const pdf = await renderScrapPaper({ title, start: event.start }, [{ LearnerName: repeated('ࡀࡁࡂ ࡃ ', 500), LearnerCode: repeated('ܐܒ ', 500), Passcode: 'K7M2Q9WXR4TZ' }]);
    const { pages, pieces } = await placedText(pdf);
    const below = pieces.filter(({ baseline }) => baseline < 72).map(({ page, text, baseline }) => `page ${page}: ${text} at ${baseline.toFixed(1)} pt`);
    expect({ pages, below }).toEqual({ pages: 2, below: [] }); // baselines from the bottom: none under the 72 pt margin
    expect((await pagesOf(pdf))[1]).toContain('Passcode: K7M2Q9WXR4TZ');
  });

  it('embeds no font for Latin-1 text, DejaVu Sans beyond it, and the fallback font only for a character DejaVu Sans lacks', async () => {
    expect(await sheetFontsFor(['Émilie Ørsted', 'Zoe\u0308 Ada\u200B', 'P-1'])).toBeNull();
    const dejaVu = await sheetFontsFor(['Ada', 'Łukasz Żółw', 'Αλέξανδρος', 'Алексей', 'Nguyễn']);
    expect([dejaVu?.regular.name, dejaVu?.fallback]).toEqual(['DejaVuSans', undefined]);
    expect((await sheetFontsFor(['Ada', '山田太郎']))?.fallback?.name).toBe('UnifontEX');
  });

  it('writes Latin-1 lines in the standard Helvetica, as plain strings any PDF reader extracts', async () => {
    const latin1 = (await renderScrapPaper(event, [{ LearnerName: 'Émilie Ørsted', LearnerCode: 'P-1', Passcode: 'K7M2Q9WXR4TZ' }])).toString('latin1');
    expect(latin1).toContain('/BaseFont /Helvetica-Bold');
    expect(latin1).not.toContain('/FontFile2');
    const mixed = (await renderScrapPaper(event, [{ LearnerName: 'Łukasz Żółw', LearnerCode: 'P-1', Passcode: 'K7M2Q9WXR4TZ' }])).toString('latin1');
    expect(mixed).toContain('/FontFile2');
    expect(mixed).toContain('/BaseFont /Helvetica');
  });

  it('prints a single page saying so when there is no registration', async () => {
    const pages = await pagesOf(await renderScrapPaper(event, []));
    expect(pages).toHaveLength(1);
    expect(pages[0].replace(/\s+/g, ' ')).toContain(NO_REGISTRATIONS); // wrapped on two lines in DejaVu Sans
    expect(pages[0]).toContain(event.title);
  });
});
