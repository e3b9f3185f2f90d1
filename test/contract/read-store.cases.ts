/**
 * The expected semantics of the read store's filters and sorts as data: sample documents and the
 * ids each filter or sort must return. The contract suite runs them against every adapter; the
 * MongoDB translation is also checked against them with mingo, without a server.
 */
import type { Doc, Filter, SortSpec } from '../../libs/read-model/src/read-store.js';

export const sampleDocs: Doc[] = [
  { _id: 'p1', Org: 'o1', Name: 'Ada Lovelace', Email: 'ada@example.org', Age: 36, Since: '2026-01-05T10:00:00Z', Status: 'Active', Admin: true, Nick: null },
  { _id: 'p2', Org: 'o1', Name: 'Alan Turing', Email: 'ALAN@Example.ORG', Age: 41, Since: '2026-02-01T00:00:00Z', Status: 'Inactive', Admin: false },
  { _id: 'p3', Org: 'o2', Name: 'Grace Hopper 🐛', Email: null, Age: 9, Since: '2025-12-31T23:59:59Z', Status: 'Active', Admin: false, Nick: 'Amazing Grace' },
  { _id: 'p4', Org: 'o2', Name: 'Edsger (W.) Dijkstra', Email: 'ewd@ÜTexas.edu', Age: 100, Since: '2026-02-01T00:00:00Z', Status: '{"$gt":""}', Nick: 'x.*y', Motto: 'ŁÓDŹ Øresund' },
  { _id: 'p5', Org: 'o1', Name: 'Barbara "Liskov" \\ Co', Email: 'bl@mit.edu', Age: 10, Since: null, Status: 'Active' },
];

/** [what it shows, filter, ids found (in id order)] */
export const filterCases: ReadonlyArray<readonly [string, Filter, string[]]> = [
  ['string equality', { Org: 'o1' }, ['p1', 'p2', 'p5']],
  ['number equality', { Age: 36 }, ['p1']],
  ['no equality across types', { Age: '36' }, []],
  ['boolean equality', { Admin: true }, ['p1']],
  ['$eq', { Admin: { $eq: false } }, ['p2', 'p3']],
  ['equality on _id', { _id: 'p4' }, ['p4']],
  ['null equals null or missing', { Nick: null }, ['p1', 'p2', 'p5']],
  ['$eq null', { Since: { $eq: null } }, ['p5']],
  ['$ne keeps other values', { Status: { $ne: 'Active' } }, ['p2', 'p4']],
  ['$ne keeps missing and null', { Nick: { $ne: 'x.*y' } }, ['p1', 'p2', 'p3', 'p5']],
  ['$ne null means present', { Nick: { $ne: null } }, ['p3', 'p4']],
  ['$in', { Status: { $in: ['Inactive', '{"$gt":""}'] } }, ['p2', 'p4']],
  ['$in with null takes missing too', { Nick: { $in: [null, 'Amazing Grace'] } }, ['p1', 'p2', 'p3', 'p5']],
  ['$in compares types', { Age: { $in: [9, 100, '36'] } }, ['p3', 'p4']],
  ['empty $in', { Status: { $in: [] } }, []],
  ['ISO range', { Since: { $gte: '2026-01-01T00:00:00Z', $lt: '2026-02-01T00:00:00Z' } }, ['p1']],
  ['$gte is inclusive', { Since: { $gte: '2026-02-01T00:00:00Z' } }, ['p2', 'p4']],
  ['$lt on strings', { Since: { $lt: '2026' } }, ['p3']],
  // As strings "100" < "36"; as numbers only 10 and 36 are in [10, 41).
  ['numeric range', { Age: { $gte: 10, $lt: 41 } }, ['p1', 'p5']],
  ['a string bound never matches a number', { Age: { $lt: 'zzz' } }, []],
  ['a number bound never matches a string', { Since: { $gte: 0 } }, []],
  ['conditions are AND-ed', { Org: 'o1', Status: 'Active', Age: { $lt: 20 } }, ['p5']],
  ['empty filter', {}, ['p1', 'p2', 'p3', 'p4', 'p5']],
  ['an operator left undefined sets no condition', { Name: { $contains: undefined }, Org: 'o2' }, ['p3', 'p4']],
  ['$contains ignores case', { Name: { $contains: 'LOVElace' } }, ['p1']],
  ['$contains ignores case of the document', { Email: { $contains: 'example.ORG' } }, ['p1', 'p2']],
  ['$contains, two characters', { Name: { $contains: 'ov' } }, ['p1', 'p5']],
  ['$contains, one character', { Name: { $contains: 'w' } }, ['p4']],
  ['$contains across a space', { Name: { $contains: 'ada love' } }, ['p1']],
  ['$contains longer than any value', { Name: { $contains: 'lovelacex' } }, []],
  ['$contains with regex metacharacters', { Name: { $contains: '(w.)' } }, ['p4']],
  ['$contains .* is literal', { Name: { $contains: '.*' } }, []],
  ['$contains .* found literally', { Nick: { $contains: '.*' } }, ['p4']],
  ['$contains with double quotes', { Name: { $contains: '"liskov"' } }, ['p5']],
  ['$contains with a backslash', { Name: { $contains: '\\ co' } }, ['p5']],
  ['$contains a lone backslash', { Name: { $contains: '\\' } }, ['p5']],
  ['$contains a lone parenthesis', { Name: { $contains: '(' } }, ['p4']],
  ['$contains a character class', { Name: { $contains: '[a-z]' } }, []],
  ['$contains with full-text OR syntax', { Name: { $contains: 'Ada" OR "Alan' } }, []],
  ['$contains with a full-text OR keyword', { Name: { $contains: 'Ada OR Alan' } }, []],
  ['$contains with a full-text prefix star', { Name: { $contains: 'lov*' } }, []],
  ['$contains with full-text NEAR syntax', { Name: { $contains: 'NEAR(ada lovelace)' } }, []],
  ['$contains with a LIKE wildcard', { Email: { $contains: '%' } }, []],
  ['$contains folds letters beyond ASCII', { Email: { $contains: 'ütexas' } }, ['p4']],
  ['$contains folds one letter beyond ASCII', { Email: { $contains: 'ü' } }, ['p4']],
  ['$contains folds letters beyond ASCII in any field', { Motto: { $contains: 'łódź ø' } }, ['p4']],
  // ' 🐛' is three UTF-16 units but two characters: shorter than a trigram.
  ['$contains counts characters, not UTF-16 units', { Name: { $contains: ' 🐛' } }, ['p3']],
  ['$contains with an emoji, three characters', { Name: { $contains: 'r 🐛' } }, ['p3']],
  ['$contains never matches a number', { Age: { $contains: '36' } }, []],
  ['an empty $contains matches every string', { Email: { $contains: '' } }, ['p1', 'p2', 'p4', 'p5']],
  ['a string that looks like an operator is a value', { Status: '{"$gt":""}' }, ['p4']],
  ['$eq of a string that looks like an operator', { Status: { $eq: '{"$gt":""}' } }, ['p4']],
];

/** Filters that are refused: anything not plainly a value or a known operator. */
export const refusedFilters: ReadonlyArray<readonly [string, unknown]> = [
  ['an unknown operator', { Status: { $gt: '' } }],
  ['a regex operator', { Status: { $regex: '.*' } }],
  ['an object as $eq operand', { Status: { $eq: { $gt: '' } } }],
  ['$in that is no array', { Status: { $in: 'Active' } }],
  ['an object inside $in', { Status: { $in: [{ $gt: '' }] } }],
  ['an object as $contains operand', { Name: { $contains: { $regex: '.*' } } }],
  ['an array as value', { Status: ['Active'] }],
  ['a dotted path', { 'Nick.x': 'a' }],
  ['a $-field', { $where: 'true' }],
];

/** [what it shows, sort, skip, limit, ids in order] */
export const sortCases: ReadonlyArray<readonly [string, SortSpec, number | undefined, number | undefined, string[]]> = [
  ['several fields, mixed directions', [['Org', 1], ['Age', -1]], undefined, undefined, ['p2', 'p1', 'p5', 'p4', 'p3']],
  ['numbers numerically', [['Age', 1]], undefined, undefined, ['p3', 'p5', 'p1', 'p2', 'p4']],
  ['null first ascending, ties by id', [['Since', 1]], undefined, undefined, ['p5', 'p3', 'p1', 'p2', 'p4']],
  ['null last descending, ties by id', [['Since', -1]], undefined, undefined, ['p2', 'p4', 'p1', 'p3', 'p5']],
  ['missing sorts with null', [['Nick', 1]], undefined, undefined, ['p1', 'p2', 'p5', 'p3', 'p4']],
  ['by id when no sort is given', [], undefined, undefined, ['p1', 'p2', 'p3', 'p4', 'p5']],
  ['a page', [['Age', 1]], 1, 2, ['p5', 'p1']],
  ['the last page', [['Age', 1]], 4, 10, ['p4']],
  ['past the end', [['Age', 1]], 5, undefined, []],
  ['limit 0 returns nothing', [['Age', 1]], 0, 0, []],
];

/** A small deterministic random source, so a failing case can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/**
 * Short texts over an alphabet of letters in both cases and metacharacters, and many needles
 * over the same alphabet, with what a plain case-insensitive substring test finds.
 */
export function substringCorpus(): { docs: Doc[]; needles: string[]; expected: (needle: string) => string[] } {
  const next = random(42);
  const alphabet = 'aAbB .*"(\\';
  const text = (length: number) => Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  const docs: Doc[] = Array.from({ length: 40 }, (_, i) => ({
    _id: `n${String(i).padStart(2, '0')}`,
    Org: 'o1',
    // Some longer than the part of a needle the SQLite store asks its text index for (12 characters).
    Text: text(Math.floor(next() * (i % 2 === 0 ? 9 : 31))),
  }));
  const needles = new Set<string>(['', ...alphabet]);
  for (let i = 0; i < 120; i++) needles.add(text(2 + Math.floor(next() * 4)));
  // Long needles: cut from the texts (found), and the same with their last character changed (whose
  // first 12 characters still name those texts).
  for (const { Text } of docs.filter((d) => (d.Text as string).length >= 14)) {
    const cut = (Text as string).slice(0, 13 + Math.floor(next() * ((Text as string).length - 13)));
    needles.add(cut);
    needles.add(cut.slice(0, -1) + (cut.endsWith('a') ? 'b' : 'a'));
  }
  const expected = (needle: string) =>
    docs.filter((d) => (d.Text as string).toLowerCase().includes(needle.toLowerCase())).map((d) => d._id);
  return { docs, needles: [...needles], expected };
}
