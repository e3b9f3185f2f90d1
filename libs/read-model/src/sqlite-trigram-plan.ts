/**
 * Which part of a needle the trigram index is asked for. FTS5 answers a phrase by reading the
 * list of rows of every trigram in it, so a needle holding a trigram that most rows hold costs as
 * much as that trigram's list, however few rows the whole needle names: "L0125000" in a million
 * learner codes read the 400,000 entries of "l01" (3.6 ms) to find 4 rows its other trigrams
 * alone narrow to 52 (0.5 ms). Any substring of the needle names every row the needle does, and
 * every candidate is tested on the row anyway (see containsSql), so the index may be asked for a
 * run of the needle's trigrams without the long lists, instead of the whole needle; but only when
 * that run is itself rare: each candidate it names is a row fetched and tested (a run held by
 * 5,000 rows cost 50 ms where the whole needle cost 2).
 */
import type { Connection } from './sqlite-connection.js';
import { trigramPhrase } from './sqlite-fts-phrase.js';

/** A trigram list with this many entries or more is long (milliseconds to read at 1M rows). */
export const LONG_LIST = 10_000;

/** A part of a needle is asked for only if fewer rows than this hold it. */
export const FEW_CANDIDATES = 256;

/** Lists probed per needle at most: a new needle is planned over a few queries, none delayed much. */
export const PROBES_PER_NEEDLE = 4;

/**
 * Trigram lists are counted up to this many entries to find a needle's rarest trigram (100,000
 * entries take about 8 ms to read at 1M rows, once per ten minutes); longer ones count as equal.
 */
const COUNTED_LIST = 100_000;

/**
 * Intersected parts are asked for only if they name at most this share more rows than the whole
 * needles do (each extra candidate is a row fetched and tested, about 5 µs at 1M rows).
 */
export const EXTRA_CANDIDATES_SHARE = 1 / 8;

/**
 * The longest run (two trigrams or more) of the needle's trigrams that are not long, as a
 * substring, when some trigram is long; otherwise the whole needle.
 */
export function withoutLongTrigrams(text: string, isLong: (trigram: string) => boolean): string {
  const chars = [...text];
  const trigrams = chars.length - 2;
  let best = { start: 0, length: 0 };
  let run = { start: 0, length: 0 };
  let someLong = false;
  for (let i = 0; i < trigrams; i++) {
    if (isLong(chars.slice(i, i + 3).join(''))) {
      someLong = true;
      run = { start: i + 1, length: 0 };
      continue;
    }
    run.length++;
    if (run.length > best.length) best = { ...run };
  }
  if (!someLong || best.length < 2) return text;
  return chars.slice(best.start, best.start + best.length + 2).join('');
}

/** The needle's trigram with the shortest list (the first of equals); a short needle is its own. */
export function rarestTrigram(text: string, listLength: (trigram: string) => number): string {
  const chars = [...text];
  let rarest = text;
  let shortest = Infinity;
  for (let i = 0; i + 3 <= chars.length; i++) {
    const trigram = chars.slice(i, i + 3).join('');
    const length = listLength(trigram);
    if (length < shortest) [rarest, shortest] = [trigram, length];
  }
  return rarest;
}

/**
 * Which of several needles of 3+ characters the trigram index is asked for, given how many rows
 * it names for each (counted up to LONG_LIST): the rarest alone when it is rare, since every
 * other needle only adds lists to read ("Ada Lovelace" with "example": 27 → 80–100 ms per page at
 * 1M when intersected); else all of them, in one query that intersects their lists ("lovelace" in
 * emails, 43,112 rows at 1M, and "ada" in names, 64,397: 2,149 rows to fetch instead of 43,112).
 */
export function rarestOrAll<T>(needles: readonly T[], hitsOf: (needle: T) => number): T[] {
  let rarest = needles[0];
  let fewest = hitsOf(rarest);
  for (const needle of needles.slice(1)) {
    const hits = hitsOf(needle);
    if (hits < fewest) [rarest, fewest] = [needle, hits];
  }
  return fewest < LONG_LIST ? [rarest] : [...needles];
}

/** The words of a needle (split at white space) of three characters or more. */
export function longWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => [...word].length >= 3);
}

/** How long a probe's answer is trusted: lists grow with the data, but slowly. */
const REMEMBERED_MS = 10 * 60_000;
const PLAN_MS = 1_000;
const CAPACITY = 4096;

/**
 * Plans needles from probes of the index, each remembered for a while: whether a trigram's list
 * is long (every column's entries: a column filter still reads them all; at most LONG_LIST read),
 * and whether a part of a needle is rare in its column (at most FEW_CANDIDATES read). A trigram
 * not probed yet counts as not long, which leaves it in the phrase. A remembered answer that has
 * gone stale only makes a plan slower, never an answer wrong.
 */
export class TrigramPlanner {
  /** Whether a trigram's list is long, by table and trigram. */
  private readonly longLists: Remembered<boolean>;
  /** Whether a part of a needle is rare, by table, column and part. */
  private readonly rareParts: Remembered<boolean>;
  /** How many rows hold a part of a needle, by table, column and part (up to LONG_LIST). */
  private readonly hitCounts: Remembered<number>;
  /**
   * A needle's plan once every trigram it needed was known, for a second: planning costs 4–11 µs,
   * a search asks up to three times, and clients repeat a search. Short, so that a plan is never
   * much older than the probes it was made from.
   */
  private readonly plans: Remembered<string>;
  /** How many entries a trigram's list has (up to COUNTED_LIST), by table and trigram. */
  private readonly listLengths: Remembered<number>;
  /** How many rows an intersection of needles or parts names (up to LONG_LIST), by table and query. */
  private readonly intersectionHits: Remembered<number>;
  /** The parts asked for of several intersected needles, for a second, as `plans`. */
  private readonly intersectionPlans: Remembered<readonly string[]>;
  /** The parts asked for of one needle of several words, for a second, as `plans`. */
  private readonly wordPlans: Remembered<readonly string[]>;

  constructor(
    private readonly connection: Connection,
    now: () => number = Date.now,
  ) {
    this.longLists = new Remembered(now, REMEMBERED_MS);
    this.rareParts = new Remembered(now, REMEMBERED_MS);
    this.hitCounts = new Remembered(now, REMEMBERED_MS);
    this.plans = new Remembered(now, PLAN_MS);
    this.listLengths = new Remembered(now, REMEMBERED_MS);
    this.intersectionHits = new Remembered(now, REMEMBERED_MS);
    this.intersectionPlans = new Remembered(now, PLAN_MS);
    this.wordPlans = new Remembered(now, PLAN_MS);
  }

  /** The text to ask the trigram index of `ftsTable`'s `column` for, to find the rows holding `text`. */
  indexedPart(ftsTable: string, column: string, text: string): string {
    const planKey = `${ftsTable}\u0000${column}\u0000${text}`;
    const planned = this.plans.get(planKey);
    if (planned !== undefined) return planned;
    let probes = PROBES_PER_NEEDLE;
    let complete = true;
    const part = withoutLongTrigrams(text, (trigram) => {
      const key = `${ftsTable}\u0000${trigram.toLowerCase()}`;
      const known = this.longLists.get(key);
      if (known !== undefined) return known;
      if (probes === 0) {
        complete = false;
        return false;
      }
      probes--;
      return this.longLists.set(key, this.entries(ftsTable, ftsTable, trigram, LONG_LIST) >= LONG_LIST);
    });
    let plan = text;
    if (part !== text) {
      const key = `${ftsTable}\u0000${column}\u0000${part.toLowerCase()}`;
      const rare = this.rareParts.get(key) ?? this.rareParts.set(key, this.entries(ftsTable, column, part, FEW_CANDIDATES) < FEW_CANDIDATES);
      if (rare) plan = part;
    }
    return complete ? this.plans.set(planKey, plan) : plan;
  }

  /** How many rows hold `part` (a needle, or the part of it asked for) in `column`, up to LONG_LIST. */
  hits(ftsTable: string, column: string, part: string): number {
    const key = `${ftsTable}\u0000${column}\u0000${part.toLowerCase()}`;
    return this.hitCounts.get(key) ?? this.hitCounts.set(key, this.entries(ftsTable, column, part, LONG_LIST));
  }

  /**
   * The parts of one needle to ask the index of `ftsTable`'s `column` for, all at once (their lists
   * intersected): its indexedPart when that is a part; else, for a needle of two words or more of
   * three characters, the rarest trigram of each word, when together they name at most
   * EXTRA_CANDIDATES_SHARE more rows than the whole needle ("Ada Lovelace" at 1M rows: its ten
   * trigrams' lists cost 43 ms per page, "ada" with "lov" 28 ms, both naming the same 2,149 rows).
   * Words, because the trigrams of one word, or one spanning two, go together: "a l" (the rarest)
   * with "ove" names 8,668 rows. Otherwise the whole needle. Probes as intersectedParts does.
   */
  indexedParts(ftsTable: string, column: string, text: string): readonly string[] {
    const part = this.indexedPart(ftsTable, column, text);
    const words = longWords(text);
    if (part !== text || words.length < 2) return [part];
    const planKey = `${ftsTable}\u0000${column}\u0000${text}`;
    const planned = this.wordPlans.get(planKey);
    if (planned !== undefined) return planned;
    const parts = this.rarestTrigrams(ftsTable, words);
    if (parts === undefined) return [text];
    const named = (texts: readonly string[]) => this.intersected(ftsTable, texts.map((text) => `${column} : ${trigramPhrase(text)}`).join(' AND '));
    const byParts = named(parts);
    const pays = byParts < LONG_LIST && byParts <= named([text]) * (1 + EXTRA_CANDIDATES_SHARE);
    return this.wordPlans.set(planKey, pays ? parts : [text]);
  }

  /**
   * What to ask the trigram index of `ftsTable` for, per needle, to find the rows holding all of
   * several common needles at once: each needle's rarest trigram, when those trigrams together name
   * at most EXTRA_CANDIDATES_SHARE more rows than the whole needles (FTS5 reads every trigram's list
   * of a phrase: "lovelace" with "ada" cost 12 ms at 1M rows, "lov" with "ada" 3 ms, both naming the
   * same 2,149 rows); otherwise the whole needles. Probes as indexedPart does, a few lists per needle
   * per query, and plans with whole needles until they are known.
   */
  intersectedParts(ftsTable: string, needles: ReadonlyArray<{ column: string; text: string }>): readonly string[] {
    const planKey = [ftsTable, ...needles.flatMap(({ column, text }) => [column, text])].join('\u0000');
    const planned = this.intersectionPlans.get(planKey);
    if (planned !== undefined) return planned;
    const wholes = needles.map(({ text }) => text);
    const parts = this.rarestTrigrams(ftsTable, wholes);
    if (parts === undefined) return wholes;
    let plan = wholes;
    if (parts.some((part, i) => part !== wholes[i])) {
      const named = (texts: readonly string[]) =>
        this.intersected(ftsTable, needles.map(({ column }, i) => `${column} : ${trigramPhrase(texts[i])}`).join(' AND '));
      const byParts = named(parts);
      if (byParts < LONG_LIST && byParts <= named(wholes) * (1 + EXTRA_CANDIDATES_SHARE)) plan = parts;
    }
    return this.intersectionPlans.set(planKey, plan);
  }

  /**
   * The rarest trigram of each text, from list lengths probed PROBES_PER_NEEDLE per text per call;
   * undefined until every one is known.
   */
  private rarestTrigrams(ftsTable: string, texts: readonly string[]): string[] | undefined {
    let complete = true;
    const parts = texts.map((text) => {
      let probes = PROBES_PER_NEEDLE;
      return rarestTrigram(text, (trigram) => {
        const key = `${ftsTable}\u0000${trigram.toLowerCase()}`;
        const known = this.listLengths.get(key);
        if (known !== undefined) return known;
        if (probes === 0) {
          complete = false;
          return COUNTED_LIST;
        }
        probes--;
        return this.listLengths.set(key, this.entries(ftsTable, ftsTable, trigram, COUNTED_LIST));
      });
    });
    return complete ? parts : undefined;
  }

  /** How many rows an FTS5 query names, up to LONG_LIST, remembered. */
  private intersected(ftsTable: string, query: string): number {
    const key = `${ftsTable}\u0000${query.toLowerCase()}`;
    return this.intersectionHits.get(key) ?? this.intersectionHits.set(key, this.matches(ftsTable, query, LONG_LIST));
  }

  /** How many rows hold the phrase in `target` (the table: any column), counting up to `limit`. */
  private entries(ftsTable: string, target: string, text: string, limit: number): number {
    return this.matches(ftsTable, trigramPhrase(text), limit, target);
  }

  /** How many rows the FTS5 query names in `target`, counting up to `limit`. */
  private matches(ftsTable: string, query: string, limit: number, target = ftsTable): number {
    return this.connection.statement(`SELECT count(*) FROM (SELECT 1 FROM "${ftsTable}" WHERE "${target}" MATCH ? LIMIT ${limit})`).pluck().get(query) as number;
  }
}

/** Answers kept for `forMs` each, at most CAPACITY of them (the oldest go first). */
class Remembered<T> {
  private readonly answers = new Map<string, { value: T; at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly forMs: number,
  ) {}

  get(key: string): T | undefined {
    const answer = this.answers.get(key);
    if (answer === undefined) return undefined;
    if (this.now() - answer.at <= this.forMs) return answer.value;
    this.answers.delete(key);
    return undefined;
  }

  set(key: string, value: T): T {
    if (this.answers.size >= CAPACITY) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, { value, at: this.now() });
    return value;
  }
}
