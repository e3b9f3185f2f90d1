import type { ScrapPaperSheet } from '../../../../libs/read-model/src/exam-events/exam-events.queries.js';

export const RETURN_NOTICE = 'This must be returned to the invigilator upon completion of the exam.';
export const NO_REGISTRATIONS = 'This exam event has no active registrations, so there is no scrap paper to print.';

/**
 * One page per sheet (spec §3); a single page saying so when there is none. pdfkit (fonts and
 * layout tables, about 19 MB of resident memory) is loaded by the first sheet printed, not by
 * every API process at start.
 */
export async function renderScrapPaper(event: { title: string; start: string }, sheets: readonly ScrapPaperSheet[]): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const document = new PDFDocument({ size: 'LETTER', margin: 72, autoFirstPage: false });
  const chunks: Uint8Array[] = [];
  document.on('data', (chunk: Uint8Array) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    document.on('end', () => resolve(Buffer.concat(chunks)));
    document.on('error', reject);
  });

  const header = () => {
    document.addPage();
    document.font('Helvetica-Bold').fontSize(24).text('Scrap Paper');
    document.moveDown(0.5).font('Helvetica').fontSize(12).text(event.title).text(event.start);
    document.moveDown();
  };
  if (sheets.length === 0) {
    header();
    document.text(NO_REGISTRATIONS);
  }
  for (const sheet of sheets) {
    header();
    document.font('Helvetica-Bold').text(sheet.LearnerName ?? '');
    document.font('Helvetica').text(sheet.LearnerCode ?? '');
    document.moveDown().text(RETURN_NOTICE);
    document.moveDown().text(`Passcode: ${sheet.Passcode}`);
  }
  document.end();
  return done;
}
