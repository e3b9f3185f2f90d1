import Database from 'better-sqlite3';
import { Connection } from './sqlite-connection.js';
import { MAX_PROBED, narrowestSubstring, SHORT_LIST, TrigramLists } from './sqlite-trigram-plan.js';

describe('narrowestSubstring', () => {
  const shortUnless = (...common: string[]) => (trigram: string) => !common.includes(trigram.toLowerCase());

  it('keeps the longest run of trigrams with short lists, leaving out the common ones', () => {
    expect(narrowestSubstring('L0125000', shortUnless('l01', '012', '000'))).toBe('12500');
    expect(narrowestSubstring('lovelace', shortUnless('ove'))).toBe('velace');
  });

  it('asks for the whole needle when every trigram is common, or none is, or it is a single trigram', () => {
    expect(narrowestSubstring('turing', shortUnless('tur', 'uri', 'rin', 'ing'))).toBe('turing');
    expect(narrowestSubstring('turing', shortUnless())).toBe('turing');
    expect(narrowestSubstring('ada', shortUnless('ada'))).toBe('ada');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(narrowestSubstring('Zoë😀xyz', shortUnless('zoë', 'oë😀'))).toBe('ë😀xyz');
  });

  it('asks about the first MAX_PROBED trigrams only', () => {
    const asked: string[] = [];
    const needle = 'abcdefghijklmnopqrstuvwxyz';
    narrowestSubstring(needle, (trigram) => asked.push(trigram) > 0);
    expect(asked).toHaveLength(MAX_PROBED);
    expect(asked[0]).toBe('abc');
  });
});

describe('TrigramLists', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec(`CREATE VIRTUAL TABLE fts USING fts5(a, b, tokenize='trigram case_sensitive 0')`);
    const insert = db.prepare('INSERT INTO fts (a, b) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < SHORT_LIST; i++) insert.run(`row ${i}`, i % 2 === 0 ? 'common' : '');
      insert.run('rare "quote"', '');
    })();
  });
  afterEach(() => db.close());

  it('calls a list short below SHORT_LIST entries, whatever their column and case', () => {
    const lists = new TrigramLists(new Connection(db));
    expect(lists.isShort('fts', 'ROW')).toBe(false);
    expect(lists.isShort('fts', 'com')).toBe(true);
    expect(lists.isShort('fts', 'e "q')).toBe(true);
    expect(lists.isShort('fts', 'zzz')).toBe(true);
  });

  it('remembers an answer for a minute, then asks again', () => {
    let now = 0;
    const lists = new TrigramLists(new Connection(db), () => now);
    expect(lists.isShort('fts', 'com')).toBe(true);
    db.prepare('INSERT INTO fts (a, b) SELECT a, \'common\' FROM fts WHERE b = \'\'').run();
    expect(lists.isShort('fts', 'com')).toBe(true);
    now = 61_000;
    expect(lists.isShort('fts', 'com')).toBe(false);
  });
});
