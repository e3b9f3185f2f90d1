/**
 * The short-needle text index. FTS5's trigram index cannot answer a search for one or two
 * characters, and without an index such a search reads every row of the tenant. So each
 * searchable document also gets a "grams" document: one token per distinct 1- and 2-character
 * substring of each text field, after the same ASCII-only case folding as SQLite's lower() (which
 * defines `$contains`), hex-encoded so any character makes a plain FTS5 token, and prefixed with
 * the field's position so one FTS5 column serves every field. A needle's hits are then the
 * doclist of a single token.
 */
import type Database from 'better-sqlite3';

/** The SQL function that computes a row's grams document from its text fields (in layout order). */
export const GRAMS_FUNCTION = 'read_model_grams';

const MAX_SHORT_NEEDLE = 2;

/** ASCII A–Z to a–z and nothing else, exactly like SQLite's lower() without ICU. */
function asciiLower(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32)) : text;
}

export function isShortNeedle(text: string): boolean {
  const length = [...text].length;
  return length >= 1 && length <= MAX_SHORT_NEEDLE;
}

/** Hex of each character's UTF-8 bytes, remembered: names and emails reuse few characters. */
const hexOfChar = new Map<string, string>();
function hex(char: string): string {
  let encoded = hexOfChar.get(char);
  if (encoded === undefined) {
    encoded = Buffer.from(char, 'utf8').toString('hex');
    if (hexOfChar.size < 10_000) hexOfChar.set(char, encoded);
  }
  return encoded;
}

/** The token standing for `text` (1–2 characters) in the field at `fieldIndex`. */
export function gramToken(fieldIndex: number, text: string): string {
  return `f${fieldIndex}x${[...asciiLower(text)].map(hex).join('')}`;
}

/** Every distinct 1- and 2-character substring of each string value, as tokens. */
export function gramsDocument(values: readonly unknown[]): string {
  const tokens = new Set<string>();
  values.forEach((value, fieldIndex) => {
    if (typeof value !== 'string') return;
    const prefix = `f${fieldIndex}x`;
    const chars = [...asciiLower(value)].map(hex);
    for (let i = 0; i < chars.length; i++) {
      tokens.add(prefix + chars[i]);
      if (i + 1 < chars.length) tokens.add(prefix + chars[i] + chars[i + 1]);
    }
  });
  return [...tokens].join(' ');
}

/** Makes the grams function available to the connection that maintains the index. */
export function registerGramsFunction(db: Database.Database): void {
  db.function(GRAMS_FUNCTION, { deterministic: true, varargs: true }, (...values: unknown[]) => gramsDocument(values));
}
