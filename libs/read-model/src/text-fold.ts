/**
 * The case folding of `$contains`, the same in every read store: a needle matches a text when the
 * folded needle is a substring of the folded text. The fold is JavaScript's `toLowerCase()`
 * (Unicode's default lower-case mapping, whatever the locale), with the final sigma made a plain
 * one so that folding is the same in any context: "ΟΔΥΣΣΕΥΣ" holds "σς" as "ΣΣ" does.
 *
 * SQLite stores each text field folded and compares (sqlite-text-fold.ts). MongoDB matches the
 * raw text with a regular expression built here: its own case-insensitive option is PCRE2's
 * caseless matching, which folds other letters (it does not find "İlker" for "i", and it finds
 * "ſ" for "s"). The pattern instead lists, at each position of the folded needle, every character
 * that folds to it, and uses no option, so that mongod (PCRE2) and JavaScript (mingo, in the
 * parity test) read it alike: literal characters, backslash escapes and `\x00` only.
 */

export function foldText(text: string): string {
  const lower = text.toLowerCase();
  return lower.includes('ς') ? lower.replaceAll('ς', 'σ') : lower;
}

/** U+0130 folds to two characters, "i" and this combining dot; every other character to one. */
const DOT_ABOVE = '\u0307';
const CAPITAL_I_WITH_DOT = '\u0130';

/** Folded character → the other characters that fold to it (built once, on the first pattern). */
let othersFoldingTo: Map<string, string[]> | null = null;

function foldInverse(): Map<string, string[]> {
  if (othersFoldingTo) return othersFoldingTo;
  const inverse = new Map<string, string[]>();
  // The characters toLowerCase changes, found by the regex engine in one pass over every code
  // point (a third of the time of folding each one), and the final sigma the fold adds.
  const candidates = [...everyCodePoint().matchAll(/\p{Changes_When_Lowercased}/gu)].map(([c]) => c);
  for (const raw of [...candidates, 'ς']) {
    const folded = foldText(raw);
    if (folded === raw || [...folded].length !== 1) continue;
    inverse.set(folded, [...(inverse.get(folded) ?? []), raw]);
  }
  return (othersFoldingTo = inverse);
}

function everyCodePoint(): string {
  const chunks: string[] = [];
  for (let start = 0; start <= 0x10ffff; start += 0x1000) {
    const codePoints: number[] = [];
    for (let cp = start; cp < start + 0x1000; cp++) if (cp < 0xd800 || cp > 0xdfff) codePoints.push(cp);
    chunks.push(String.fromCodePoint(...codePoints));
  }
  return chunks.join('');
}

/** One literal character, escaped the same way for PCRE2 and JavaScript. */
function literal(c: string): string {
  return c === '\0' ? '\\x00' : c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** A text matched literally, character by character. */
const literally = (text: string) => [...text].map(literal).join('');

/** Any one of these alternatives: single UTF-16 units in a class, others (astral, pairs) as alternation. */
function anyOf(alternatives: readonly string[]): string {
  if (alternatives.length === 1) return literally(alternatives[0]);
  const units = alternatives.filter((a) => a.length === 1);
  const longer = alternatives.filter((a) => a.length > 1).map(literally);
  const unitClass = units.length === 0 ? [] : units.length === 1 ? [literal(units[0])] : [`[${units.map(literal).join('')}]`];
  return `(?:${[...unitClass, ...longer].join('|')})`;
}

/**
 * A regular expression (no flags) that matches a text exactly when `foldText(needle)` is a
 * substring of `foldText(text)`.
 */
export function foldedSubstringPattern(needle: string): string {
  const inverse = foldInverse();
  const chars = [...foldText(needle)];
  const foldingTo = (c: string) => [c, ...(inverse.get(c) ?? [])];
  const parts: string[] = [];
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k];
    if (c === 'i' && chars[k + 1] === DOT_ABOVE) {
      // "i" + dot above: İ itself, or any i followed by the dot.
      parts.push(`(?:${CAPITAL_I_WITH_DOT}|${anyOf(foldingTo('i'))}${DOT_ABOVE})`);
      k += 1;
      continue;
    }
    const alternatives = foldingTo(c);
    // The needle may begin inside İ's fold (at its dot) or end inside it (at its i).
    if ((k === 0 && c === DOT_ABOVE) || (k === chars.length - 1 && c === 'i')) alternatives.push(CAPITAL_I_WITH_DOT);
    parts.push(anyOf(alternatives));
  }
  return parts.join('');
}
