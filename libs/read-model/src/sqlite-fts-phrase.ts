/** A phrase in FTS5 syntax: inside double quotes only a doubled double quote is special. */
export function ftsPhrase(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/**
 * The longest part of a needle the trigram index is asked for as one phrase. FTS5 matches a phrase
 * on a row by walking each of its trigrams' positions there: a 500-character needle of one
 * repeated letter, against rows holding 500 of it, cost 1.5 s for 1,000 rows (6 s for two such
 * needles), on the event loop and over every organization's rows (session 21's security review).
 * Any part of a needle names every row the needle does, and each candidate is tested on the row.
 */
export const MAX_PHRASE_CHARACTERS = 12;

/** The phrase of a needle's (or a part's) first MAX_PHRASE_CHARACTERS characters, in code points as trigrams count. */
export function trigramPhrase(needle: string): string {
  return ftsPhrase(needle.length <= MAX_PHRASE_CHARACTERS ? needle : [...needle].slice(0, MAX_PHRASE_CHARACTERS).join(''));
}
