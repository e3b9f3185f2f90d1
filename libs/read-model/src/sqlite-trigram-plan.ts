/**
 * Which part of a needle the trigram index is asked for. FTS5 answers a phrase by reading the
 * list of rows of every trigram in it, so a needle holding a trigram that most rows hold costs as
 * much as that trigram's list, however few rows the whole needle names: "L0125000" in a million
 * learner codes read the 400,000 entries of "l01" (3.6 ms) to find 4 rows its rarer trigrams
 * alone narrow to 52 (0.5 ms). Any substring of the needle names every row the needle does, and
 * every candidate is tested on the row anyway (see containsSql), so the index may be asked for the
 * longest run of the needle's trigrams whose lists are short, instead of the whole needle.
 */
import type { Connection } from './sqlite-connection.js';

/** A trigram whose list has fewer entries than this is read in well under a millisecond. */
export const SHORT_LIST = 10_000;

/** Probes per needle at most: a needle of hundreds of characters is rare without asking each. */
export const MAX_PROBED = 16;

/**
 * The substring of `text` whose trigrams the index should read: the longest run of consecutive
 * trigrams that all have short lists, or the whole needle when none has (or it is one trigram).
 * `isShort` is asked about the first MAX_PROBED trigrams only.
 */
export function narrowestSubstring(text: string, isShort: (trigram: string) => boolean): string {
  const chars = [...text];
  const trigrams = chars.length - 2;
  if (trigrams <= 1) return text;
  let best = { start: 0, length: 0 };
  let run = { start: 0, length: 0 };
  for (let i = 0; i < Math.min(trigrams, MAX_PROBED); i++) {
    if (!isShort(chars.slice(i, i + 3).join(''))) {
      run = { start: i + 1, length: 0 };
      continue;
    }
    run.length++;
    if (run.length > best.length) best = { ...run };
  }
  if (best.length === 0 || best.length === trigrams) return text;
  return chars.slice(best.start, best.start + best.length + 2).join('');
}

/** How long a remembered list length is trusted: lists grow with the data, but slowly. */
const REMEMBERED_MS = 60_000;
const CAPACITY = 4096;

/**
 * Whether a trigram's list (every column's entries: a column filter still reads them all) is
 * short, probed by reading at most SHORT_LIST entries and remembered for a while. A remembered
 * answer that has gone stale only makes a plan slower, never an answer wrong.
 */
export class TrigramLists {
  private readonly short = new Map<string, boolean>();
  private since = 0;

  constructor(
    private readonly connection: Connection,
    private readonly now: () => number = Date.now,
  ) {}

  isShort(ftsTable: string, trigram: string): boolean {
    if (this.now() - this.since > REMEMBERED_MS || this.short.size >= CAPACITY) {
      this.short.clear();
      this.since = this.now();
    }
    const key = `${ftsTable}\u0000${trigram.toLowerCase()}`;
    let short = this.short.get(key);
    if (short === undefined) {
      const entries = this.connection
        .statement(`SELECT count(*) FROM (SELECT 1 FROM "${ftsTable}" WHERE "${ftsTable}" MATCH ? LIMIT ${SHORT_LIST})`)
        .pluck()
        .get(`"${trigram.replaceAll('"', '""')}"`) as number;
      short = entries < SHORT_LIST;
      this.short.set(key, short);
    }
    return short;
  }
}
