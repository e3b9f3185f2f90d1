import { inflateSync } from 'node:zlib';

/**
 * WOFF 1.0 to the TrueType/OpenType file it wraps: each table inflated once. fontkit reads a WOFF
 * itself, but inflates a table on every access: UnifontEX's 10 MB `glyf` for each glyph laid out
 * (0.5 s per name, 3 s to subset a few glyphs).
 */
export function woffToSfnt(woff: Buffer): Buffer {
  const view = new DataView(woff.buffer, woff.byteOffset, woff.byteLength);
  if (view.getUint32(0) !== 0x774f4646) throw new Error('not a WOFF file');
  const count = view.getUint16(12);
  const tables = Array.from({ length: count }, (_, i) => {
    const entry = 44 + i * 20;
    const [offset, compressed, length] = [view.getUint32(entry + 4), view.getUint32(entry + 8), view.getUint32(entry + 12)];
    const stored = new Uint8Array(woff.buffer, woff.byteOffset + offset, compressed);
    const data = compressed < length ? inflateSync(stored) : stored;
    if (data.length !== length) throw new Error('corrupt WOFF table');
    return { tag: view.getUint32(entry), checksum: view.getUint32(entry + 16), data };
  });
  const headerLength = 12 + count * 16;
  const sfnt = Buffer.alloc(tables.reduce((size, table) => size + ((table.data.length + 3) & ~3), headerLength));
  const out = new DataView(sfnt.buffer, sfnt.byteOffset, sfnt.byteLength);
  const entrySelector = Math.floor(Math.log2(count));
  const searchRange = 2 ** entrySelector * 16;
  out.setUint32(0, view.getUint32(4)); // the flavor: 0x00010000 (TrueType) or 'OTTO'
  out.setUint16(4, count);
  out.setUint16(6, searchRange);
  out.setUint16(8, entrySelector);
  out.setUint16(10, count * 16 - searchRange);
  let offset = headerLength;
  tables.forEach((table, i) => {
    out.setUint32(12 + i * 16, table.tag);
    out.setUint32(16 + i * 16, table.checksum);
    out.setUint32(20 + i * 16, offset);
    out.setUint32(24 + i * 16, table.data.length);
    sfnt.set(table.data, offset);
    offset += (table.data.length + 3) & ~3;
  });
  return sfnt;
}
