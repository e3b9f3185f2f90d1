import { PDFParse } from 'pdf-parse';
import { NO_REGISTRATIONS, RETURN_NOTICE, renderScrapPaper } from './scrap-paper.pdf.js';

async function pagesOf(pdf: Buffer): Promise<string[]> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).pages.map((page) => page.text);
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

  it('prints a single page saying so when there is no registration', async () => {
    const pages = await pagesOf(await renderScrapPaper(event, []));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain(NO_REGISTRATIONS);
    expect(pages[0]).toContain(event.title);
  });
});
