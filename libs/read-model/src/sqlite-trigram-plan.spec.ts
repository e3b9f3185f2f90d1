import Database from 'better-sqlite3';
import { Connection } from './sqlite-connection.js';
import {
  EXTRA_CANDIDATES_SHARE,
  FEW_CANDIDATES,
  LONG_LIST,
  longWords,
  PROBES_PER_NEEDLE,
  rarestOrAll, rarestTrigram, TrigramPlanner, withoutLongTrigrams } from './sqlite-trigram-plan.js';

describe('withoutLongTrigrams', () => {
  const longOnes = (...long: string[]) => (trigram: string) => long.includes(trigram.toLowerCase());

  it('keeps the longest run of trigrams that are not long', () => {
    expect(withoutLongTrigrams('L0125000', longOnes('l01', '012', '000'))).toBe('12500');
    expect(withoutLongTrigrams('lovelace', longOnes('ove'))).toBe('velace');
  });

  it('keeps the whole needle when no trigram is long, or no two neighbours are not', () => {
    expect(withoutLongTrigrams('turing', longOnes())).toBe('turing');
    expect(withoutLongTrigrams('turing', longOnes('tur', 'rin'))).toBe('turing');
    expect(withoutLongTrigrams('ada', longOnes('ada'))).toBe('ada');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(withoutLongTrigrams('Zoë😀xyz', longOnes('zoë'))).toBe('oë😀xyz');
  });
});

describe('rarestTrigram', () => {
  const lengths = (counts: Record<string, number>) => (trigram: string) => counts[trigram] ?? 100;

  it('takes the trigram with the shortest list, the first of equals', () => {
    expect(rarestTrigram('lovelace', lengths({ lov: 50, ela: 50, ace: 10 }))).toBe('ace');
    expect(rarestTrigram('lovelace', lengths({ ove: 50, ela: 50 }))).toBe('ove');
  });

  it('keeps a needle of three characters, and counts characters, not UTF-16 units', () => {
    expect(rarestTrigram('ada', lengths({}))).toBe('ada');
    expect(rarestTrigram('Zoë😀x', lengths({ 'ë😀x': 1 }))).toBe('ë😀x');
  });
});

describe('longWords', () => {
  it('splits at white space and keeps the words of three characters or more, counted as characters', () => {
    expect(longWords('Ada Lovelace')).toEqual(['Ada', 'Lovelace']);
    expect(longWords(' Al  Turing\tX😀y ')).toEqual(['Turing', 'X😀y']);
    expect(longWords('ab 😀😀')).toEqual([]);
  });
});

describe('rarestOrAll', () => {
  const hits = (counts: Record<string, number>) => (needle: string) => counts[needle];

  it('takes the rarest needle alone when fewer than LONG_LIST rows hold it', () => {
    expect(rarestOrAll(['lovelace', 'example'], hits({ lovelace: LONG_LIST - 1, example: LONG_LIST }))).toEqual(['lovelace']);
    expect(rarestOrAll(['a', 'b', 'c'], hits({ a: 500, b: 20, c: LONG_LIST }))).toEqual(['b']);
  });

  it('takes every needle when each is held by LONG_LIST rows or more', () => {
    expect(rarestOrAll(['lovelace', 'ada'], hits({ lovelace: LONG_LIST, ada: LONG_LIST }))).toEqual(['lovelace', 'ada']);
  });
});

describe('TrigramPlanner', () => {
  let db: Database.Database;
  let insert: Database.Statement;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec(`CREATE VIRTUAL TABLE fts USING fts5(a, b, tokenize='trigram case_sensitive 0')`);
    insert = db.prepare('INSERT INTO fts (a, b) VALUES (?, ?)');
    // "l01" is long, in column b only: a column filter still reads the whole list.
    db.transaction(() => {
      for (let i = 0; i < LONG_LIST; i++) insert.run(`row ${i}`, `l01-${i}`);
      insert.run('L0125000', '');
      insert.run('X0125000', '');
    })();
  });
  afterEach(() => db.close());

  it('asks for the needle without its long trigrams when that part is rare in the column', () => {
    const planner = new TrigramPlanner(new Connection(db));
    expect(planner.indexedPart('fts', 'a', 'L0125000')).toBe('0125000');
    expect(planner.indexedPart('fts', 'a', 'X0125')).toBe('X0125');
  });

  it('asks for the whole needle when the part without long trigrams is not rare', () => {
    db.transaction(() => {
      for (let i = 0; i < FEW_CANDIDATES; i++) insert.run(`Y0125000 ${i}`, '');
    })();
    expect(new TrigramPlanner(new Connection(db)).indexedPart('fts', 'a', 'L0125000')).toBe('L0125000');
  });

  it(`probes at most ${PROBES_PER_NEEDLE} lists per needle, so a new needle is planned over a few queries`, () => {
    const planner = new TrigramPlanner(new Connection(db));
    const needle = 'xyzabcL0125000'; // "l01" is the 7th trigram
    expect(planner.indexedPart('fts', 'a', needle)).toBe(needle);
    expect(planner.indexedPart('fts', 'a', needle)).toBe('xyzabcL0');
  });

  it('remembers its probes for ten minutes, then asks again', () => {
    let now = 0;
    const planner = new TrigramPlanner(new Connection(db), () => now);
    expect(planner.indexedPart('fts', 'a', 'L0125000')).toBe('0125000');
    db.transaction(() => {
      for (let i = 0; i < FEW_CANDIDATES; i++) insert.run(`Y0125000 ${i}`, '');
    })();
    now = 9 * 60_000;
    expect(planner.indexedPart('fts', 'a', 'L0125000')).toBe('0125000');
    now = 11 * 60_000;
    expect(planner.indexedPart('fts', 'a', 'L0125000')).toBe('L0125000');
  });

  it('counts the rows holding a phrase in a column up to LONG_LIST, and remembers the count', () => {
    let now = 0;
    const planner = new TrigramPlanner(new Connection(db), () => now);
    expect(planner.hits('fts', 'a', '0125000')).toBe(2);
    expect(planner.hits('fts', 'b', 'L01')).toBe(LONG_LIST);
    insert.run('Y0125000', '');
    expect(planner.hits('fts', 'a', '0125000')).toBe(2);
    now = 11 * 60_000;
    expect(planner.hits('fts', 'a', '0125000')).toBe(3);
  });

  describe('intersectedParts', () => {
    const both = [{ column: 'a', text: 'lovelace' }, { column: 'b', text: 'ada' }];
    beforeEach(() => {
      // Every trigram of "lovelace" in as many rows ("lov" the first of them), "ada" in column b of half.
      db.transaction(() => {
        for (let i = 0; i < 40; i++) insert.run(`lovelace ${i}`, `ada ${i}`);
        for (let i = 0; i < 40; i++) insert.run(`lovelace ${i}`, `grace ${i}`);
      })();
    });

    it("asks for each needle's rarest trigram when together they name no more rows than the whole needles", () => {
      const planner = new TrigramPlanner(new Connection(db));
      planner.intersectedParts('fts', both); // "lovelace" has more trigrams than one query probes
      expect(planner.intersectedParts('fts', both)).toEqual(['lov', 'ada']);
    });

    it(`asks for the whole needles when the parts name more than ${EXTRA_CANDIDATES_SHARE} more rows`, () => {
      const extra = Math.floor(40 * EXTRA_CANDIDATES_SHARE) + 1;
      db.transaction(() => {
        for (let i = 0; i < extra; i++) insert.run(`lovelac-ace ${i}`, `ada ${i}`);
      })();
      const planner = new TrigramPlanner(new Connection(db));
      planner.intersectedParts('fts', both);
      expect(planner.intersectedParts('fts', both)).toEqual(['lovelace', 'ada']);
    });

    it('keeps the whole needles until every trigram is probed', () => {
      const planner = new TrigramPlanner(new Connection(db));
      expect(planner.intersectedParts('fts', both)).toEqual(['lovelace', 'ada']);
    });

    it('remembers its probes for ten minutes, then asks again', () => {
      let now = 0;
      const planner = new TrigramPlanner(new Connection(db), () => now);
      planner.intersectedParts('fts', both);
      expect(planner.intersectedParts('fts', both)).toEqual(['lov', 'ada']);
      db.transaction(() => {
        for (let i = 0; i < 10; i++) insert.run(`lovelac-ace ${i}`, `ada ${i}`);
      })();
      now = 9 * 60_000;
      expect(planner.intersectedParts('fts', both)).toEqual(['lov', 'ada']);
      now = 11 * 60_000;
      planner.intersectedParts('fts', both);
      expect(planner.intersectedParts('fts', both)).toEqual(['lovelace', 'ada']);
    });
  });
  describe('indexedParts', () => {
    beforeEach(() => {
      // "Ada Lovelace" in 50 rows of column a; its words apart (or in column b) in 40 more each, and
      // "a l" with "ove" in 40 more: "ada" with "lov" in column a name the 50 alone.
      db.transaction(() => {
        for (let i = 0; i < 40; i++) insert.run(`Ada Lovelace ${i}`, '');
        for (let i = 0; i < 40; i++) insert.run(`Grace Lovelac ${i}`, `Ada ${i}`);
        for (let i = 0; i < 40; i++) insert.run(`Ada Byron ${i}`, '');
        for (let i = 0; i < 40; i++) insert.run(`Linda L ove ${i}`, '');
        for (let i = 0; i < 10; i++) insert.run(`Ada Lovelace ${i}`, '');
      })();
    });

    it('asks for the rarest trigram of each word when together they name no more rows than the whole needle', () => {
      const planner = new TrigramPlanner(new Connection(db));
      planner.indexedParts('fts', 'a', 'Ada Lovelace'); // "Lovelace" has more trigrams than one query probes
      expect(planner.indexedParts('fts', 'a', 'Ada Lovelace')).toEqual(['Ada', 'Lov']);
    });

    it(`asks for the whole needle when the words' trigrams name more than ${EXTRA_CANDIDATES_SHARE} more rows`, () => {
      const extra = Math.floor(50 * EXTRA_CANDIDATES_SHARE) + 1;
      db.transaction(() => {
        for (let i = 0; i < extra; i++) insert.run(`Lovelace Ada ${i}`, '');
      })();
      const planner = new TrigramPlanner(new Connection(db));
      planner.indexedParts('fts', 'a', 'Ada Lovelace');
      expect(planner.indexedParts('fts', 'a', 'Ada Lovelace')).toEqual(['Ada Lovelace']);
    });

    it('keeps the whole needle until every trigram is probed, and when it has fewer than two long words', () => {
      const planner = new TrigramPlanner(new Connection(db));
      expect(planner.indexedParts('fts', 'a', 'Ada Lovelace')).toEqual(['Ada Lovelace']);
      for (const needle of ['Al Lovelace', 'lovelace', 'Al Lovelace', 'lovelace']) expect(planner.indexedParts('fts', 'a', needle)).toEqual([needle]);
    });

    it('asks for the part of the needle without its long trigrams when that part is rare', () => {
      const planner = new TrigramPlanner(new Connection(db));
      expect(planner.indexedParts('fts', 'a', 'L0125000')).toEqual(['0125000']);
    });
  });
});
