/**
 * The short-needle text index. FTS5's trigram index cannot answer a search for one or two
 * characters, and without an index such a search reads every row of the tenant. So each
 * searchable document also gets a "grams" document: one token per distinct 1- and 2-character
 * substring of each text field's search column (its folded text, sqlite-text-fold.ts),
 * hex-encoded so any character makes a plain FTS5 token, and prefixed with the field's position so
 * one FTS5 column serves every field. A needle's hits are then the doclist of a single token (of
 * the folded needle).
 */
import type Database from 'better-sqlite3';

/** The SQL function that computes a row's grams document from its text fields (in layout order). */
export const GRAMS_FUNCTION = 'read_model_grams';

const MAX_SHORT_NEEDLE = 2;

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

/** The token standing for `text` (1–2 characters, folded) in the field at `fieldIndex`. */
export function gramToken(fieldIndex: number, text: string): string {
  return `f${fieldIndex}x${[...text].map(hex).join('')}`;
}

/** The hex of each ASCII character, by character code: the common case, without lookups. */
const ASCII_HEX = Array.from({ length: 128 }, (_, code) => code.toString(16).padStart(2, '0'));

/** Above every code point: a pair of characters is keyed `(first + 1) × PAIR + second`. */
const PAIR = 0x110000;
/** Lone surrogates encode as U+FFFD in UTF-8, so they are the same character here. */
const REPLACEMENT = 0xfffd;

function hexOfCode(point: number): string {
  return point < 128 ? ASCII_HEX[point] : hex(String.fromCodePoint(point));
}

/** The code points of the text, as `[...text]` splits it. */
function codePoints(text: string): number[] {
  const codes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let point = text.codePointAt(i)!;
    if (point > 0xffff) i++;
    else if (point >= 0xd800 && point <= 0xdfff) point = REPLACEMENT;
    codes.push(point);
  }
  return codes;
}

/**
 * Every distinct 1- and 2-character substring of each string value, as tokens. It runs for every
 * row the text index takes in (the grams function): the rebuild's index build spent most of its
 * time here. ASCII fields (nearly all) go through `asciiGrams`; others through `fieldGrams`.
 */
export function gramsDocument(values: readonly unknown[]): string {
  const tokens: string[] = [];
  values.forEach((value, fieldIndex) => {
    if (typeof value !== 'string') return;
    if (!asciiGrams(value, fieldIndex, tokens)) fieldGrams(value, fieldIndex, tokens);
  });
  return tokens.join(' ');
}

/** Distinct substrings found as numbers, and only those made into token text. */
function fieldGrams(value: string, fieldIndex: number, tokens: string[]): void {
  const prefix = `f${fieldIndex}x`;
  const codes = codePoints(value);
  const seen = new Set<number>();
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (!seen.has(code)) {
      seen.add(code);
      tokens.push(prefix + hexOfCode(code));
    }
    if (i + 1 === codes.length) continue;
    const pair = (code + 1) * PAIR + codes[i + 1];
    if (!seen.has(pair)) {
      seen.add(pair);
      tokens.push(prefix + hexOfCode(code) + hexOfCode(codes[i + 1]));
    }
  }
}

const ASCII = 128;
/**
 * An ASCII substring's key: a character's code, or ASCII + first × ASCII + second for a pair. A
 * key is seen in the current field when its entry holds the field's stamp (no clearing).
 */
const seenAscii = new Uint32Array(ASCII + ASCII * ASCII);
let stamp = 0;
/**
 * Per field index, the token of each key, made once. Filled up front: an array first written at
 * a high index becomes a dictionary, and its lookups took a third of the grams function.
 */
const asciiTokens: Array<Array<string | null>> = [];

function asciiToken(fieldIndex: number, key: number): string {
  const tokens = (asciiTokens[fieldIndex] ??= new Array<string | null>(seenAscii.length).fill(null));
  let token = tokens[key];
  if (token === null) {
    const hex = key < ASCII ? ASCII_HEX[key] : ASCII_HEX[Math.floor((key - ASCII) / ASCII)] + ASCII_HEX[(key - ASCII) % ASCII];
    token = tokens[key] = `f${fieldIndex}x${hex}`;
  }
  return token;
}

/** `fieldGrams` for a value of ASCII characters only, with lookups instead of strings and sets; false for any other value. */
function asciiGrams(value: string, fieldIndex: number, tokens: string[]): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= ASCII) return false;
  if (++stamp === 0xffffffff) {
    seenAscii.fill(0);
    stamp = 1;
  }
  let next = value.length > 0 ? value.charCodeAt(0) : 0;
  for (let i = 0; i < value.length; i++) {
    const code = next;
    if (seenAscii[code] !== stamp) {
      seenAscii[code] = stamp;
      tokens.push(asciiToken(fieldIndex, code));
    }
    if (i + 1 === value.length) break;
    next = value.charCodeAt(i + 1);
    const pair = ASCII + code * ASCII + next;
    if (seenAscii[pair] !== stamp) {
      seenAscii[pair] = stamp;
      tokens.push(asciiToken(fieldIndex, pair));
    }
  }
  return true;
}

/** Makes the grams function available to the connection that maintains the index. */
export function registerGramsFunction(db: Database.Database): void {
  db.function(GRAMS_FUNCTION, { deterministic: true, varargs: true }, (...values: unknown[]) => gramsDocument(values));
}
