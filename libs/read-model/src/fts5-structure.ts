/**
 * Where a bulk-filled FTS5 index's segments sit among its levels. FTS5 keeps an index as segments
 * on levels (an LSM tree): each write adds a small segment to level 0, and once a level holds four
 * (`automerge`) they are merged, a few pages per later write, into one on the next level; a level
 * that reaches sixteen (`crisismerge`) is merged whole, at once. A live index grown row by row has
 * its large segments high up, merged rarely. A rebuild fills each text index in one statement
 * with a large hash (sqlite-schema.ts), which leaves a few very large segments on levels 0–1; the
 * live writes then merge into them: at 1,000,000 registrations the trigram index's 47,000-page
 * segment sat on level 1 with the segments of every fourth write piling up beside it, until the
 * crisis merge rewrote it whole inside one projector batch (about 5 s, during which every read
 * after a command waited and register-lax answered 503). Filling with FTS5's default hash instead
 * builds the tall shape by merging as it goes, which is the merging the large hash saves.
 *
 * So a fill merges what it wrote into one segment (fillInBulk: a query reads every segment a term
 * is in), which FTS5 leaves one level above the fill's, and then that segment is lifted, as it is,
 * to the level a segment of its size would have reached by merging. Any other record is placed the
 * same way, newest segment lowest, one per level. A segment's level is recorded only in the index's
 * structure record (the `%_data` row 10), not in the segment: the record is decoded, its levels
 * rewritten, and written back. Its format is FTS5's (fts5_index.c, `fts5StructureDecode`); a record in any
 * other shape, or with a merge under way, is left as it is.
 */
import { openShadowTableWriter } from './sqlite-connection.js';
import { quote } from './sqlite-query.js';

/** The structure record's row id in `%_data`. */
const STRUCTURE_ROWID = 10;
/** Bytes 4–7 of a version-2 record (contentless_delete tables); version 1 starts its levels there. */
const V2_MARKER = [0xff, 0x00, 0x00, 0x01];
/** FTS5's default automerge: a level merges into the next once it holds this many segments. */
const MERGE_FAN_IN = 4;
/** Leaf pages of a segment on level 0, about: one live drain of the text queue writes about 40. */
const LEVEL_0_PAGES = 64;

interface Segment {
  /** The segment's entry in the record, as it is. */
  bytes: Uint8Array;
  pages: number;
}

interface Level {
  /** Segments of this level that are inputs of a merge under way. */
  merging: number;
  segments: Segment[];
}

/** A structure record, its levels decoded and the rest kept as bytes. */
export interface Structure {
  /** The configuration cookie, and the version-2 marker if there is one. */
  head: Uint8Array;
  writeCounter: Uint8Array;
  levels: Level[];
}

/** An SQLite varint at `at`: its value (exact below 2^53) and the offset after it. */
function readVarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) throw new RangeError('Truncated varint');
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return [value, at + i + 1];
  }
  const last = bytes[at + 8];
  if (last === undefined) throw new RangeError('Truncated varint');
  return [value * 256 + last, at + 9];
}

/** An SQLite varint for a small non-negative integer (the counts here). */
function varint(value: number): number[] {
  const groups: number[] = [];
  do {
    groups.unshift(value % 128);
    value = Math.floor(value / 128);
  } while (value > 0);
  if (groups.length > 8) throw new RangeError('Too large for this varint');
  return groups.map((group, i) => (i < groups.length - 1 ? group | 0x80 : group));
}

/** The record's levels, or null for a record this code does not know. */
export function decodeStructure(block: Uint8Array): Structure | null {
  try {
    const v2 = V2_MARKER.every((byte, i) => block[4 + i] === byte);
    let at = v2 ? 8 : 4;
    const head = block.slice(0, at);
    let levelCount: number, segmentCount: number;
    [levelCount, at] = readVarint(block, at);
    [segmentCount, at] = readVarint(block, at);
    const counterStart = at;
    [, at] = readVarint(block, at);
    const writeCounter = block.slice(counterStart, at);
    const levels: Level[] = [];
    let seen = 0;
    for (let level = 0; level < levelCount; level++) {
      let merging: number, count: number;
      [merging, at] = readVarint(block, at);
      [count, at] = readVarint(block, at);
      const segments: Segment[] = [];
      for (let i = 0; i < count; i++) {
        const start = at;
        let first: number, last: number;
        [, at] = readVarint(block, at); // segment id
        [first, at] = readVarint(block, at);
        [last, at] = readVarint(block, at);
        // Version 2: the origin range, tombstone pages and entries, and entries.
        if (v2) for (let field = 0; field < 5; field++) [, at] = readVarint(block, at);
        segments.push({ bytes: block.slice(start, at), pages: last - first + 1 });
      }
      seen += count;
      levels.push({ merging, segments });
    }
    if (at !== block.length || seen !== segmentCount) return null;
    return { head, writeCounter, levels };
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

export function encodeStructure({ head, writeCounter, levels }: Structure): Uint8Array {
  const segmentCount = levels.reduce((count, level) => count + level.segments.length, 0);
  const bytes: number[] = [...head, ...varint(levels.length), ...varint(segmentCount), ...writeCounter];
  for (const { merging, segments } of levels) {
    bytes.push(...varint(merging), ...varint(segments.length));
    for (const segment of segments) bytes.push(...segment.bytes);
  }
  return Uint8Array.from(bytes);
}

/** The level a segment of this many leaf pages reaches by merging from level 0 (0 for a small one). */
export function levelFor(pages: number): number {
  return Math.max(0, Math.ceil(Math.log(pages / LEVEL_0_PAGES) / Math.log(MERGE_FAN_IN)));
}

/**
 * The record with each segment, newest first, on the level its size belongs on, or above the
 * newer one's if that is higher (FTS5 keeps older segments on higher levels): one per level, so no
 * level holds enough of them for a merge to begin. Null when nothing would move, a merge is under
 * way, or the record is not one this code knows. `levelOf` gives a segment's level by its pages.
 */
export function liftedStructure(block: Uint8Array, levelOf: (pages: number) => number = levelFor): Uint8Array | null {
  const structure = decodeStructure(block);
  if (structure === null || structure.levels.some((level) => level.merging > 0)) return null;
  // Newest first: lower levels first, and later in a level first.
  const newestFirst = structure.levels.flatMap((level) => [...level.segments].reverse());
  if (newestFirst.length === 0) return null;
  const placed: number[] = [];
  for (const segment of newestFirst) placed.push(Math.max(levelOf(segment.pages), placed.length === 0 ? 0 : placed.at(-1)! + 1));
  const levels: Level[] = Array.from({ length: placed.at(-1)! + 1 }, () => ({ merging: 0, segments: [] }));
  newestFirst.forEach((segment, i) => levels[placed[i]].segments.unshift(segment));
  const lifted = encodeStructure({ ...structure, levels });
  return Buffer.from(lifted).equals(block) ? null : lifted;
}

/**
 * Lifts the segments of each FTS5 table named, in the database `file`, on a connection of its own
 * (openShadowTableWriter), as the grams index's copy is written.
 */
export function liftBulkFilledSegments(file: string, tables: readonly string[]): void {
  const db = openShadowTableWriter(file);
  try {
    db.transaction(() => {
      for (const table of tables) {
        const read = db.prepare(`SELECT block FROM ${quote(`${table}_data`)} WHERE id = ?`).pluck();
        const block = read.get(STRUCTURE_ROWID) as Uint8Array | undefined;
        const lifted = block === undefined ? null : liftedStructure(block);
        if (lifted !== null) db.prepare(`UPDATE ${quote(`${table}_data`)} SET block = ? WHERE id = ?`).run(lifted, STRUCTURE_ROWID);
      }
    }).immediate();
  } finally {
    db.close();
  }
}
