import Database from 'better-sqlite3';
import { ProblemDetailsFilter } from './problem-details.filter.js';

describe('ProblemDetailsFilter', () => {
  it('answers a write the disk had no room for with a 503 saying nothing was changed (a full disk answered 500)', () => {
    // A database's size limit fails a write as a full disk does: SQLITE_FULL, the transaction rolled back.
    const db = new Database(':memory:');
    db.pragma('max_page_count = 2');
    db.exec('CREATE TABLE events (data TEXT)');
    let full: unknown;
    try {
      db.prepare('INSERT INTO events VALUES (?)').run('x'.repeat(20_000));
    } catch (error) {
      full = error;
    }
    db.close();
    expect((full as { code?: string }).code).toBe('SQLITE_FULL');
    expect(new ProblemDetailsFilter().toProblem(full)).toMatchObject({
      status: 503,
      detail: 'The service cannot store anything: its disk is full. The change was not stored, or not all of it; try again later',
    });
  });
});
