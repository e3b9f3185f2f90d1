import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { AppendResult, EventMetadata, EventStore, NewEvent } from './event-store.js';
import { canonicalJson, eventHash, HashChainedEventStore, verifyHashChains } from './hash-chain.js';
import { formatSeal, parseSeal } from './log-seal.js';
import { SqliteEventStore } from './sqlite-event-store.js';

const event = (type: string, data: Record<string, unknown> = {}): NewEvent => ({
  type,
  data,
  metadata: {
    organization: 'org',
    actor: 'alice',
    occurredAt: '2026-03-01T17:00:00.000Z',
    correlationId: 'req-1',
    causationId: 'req-1',
    schemaVersion: 1,
  },
});

describe('hash chain decorator', () => {
  let dir: string;
  let raw: SqliteEventStore;
  let store: HashChainedEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hash-chain-'));
    raw = new SqliteEventStore(join(dir, 'events.sqlite'));
    store = new HashChainedEventStore(raw);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('chains every appended event to the previous one of its stream; verify finds no broken link', async () => {
    await store.append('a', [event('A0', { n: 0 }), event('A1')], 'no_stream');
    await store.append('b', [event('B0')], 'no_stream');
    await store.append('a', [event('A2')], 1n);
    await store.append('b', [event('B1')], 'any');
    const a = await raw.readStream('a');
    expect(a.map((e) => e.metadata.hash)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), expect.any(String), expect.any(String)]);
    expect(new Set(a.map((e) => e.metadata.hash)).size).toBe(3);
    expect(await verifyHashChains(raw, { batchSize: 2 })).toMatchObject({ events: 5, streams: 2, broken: null });
  });

  it('names the first broken link when a stored event is edited', async () => {
    await store.append('a', [event('A0', { Name: 'North Hall' }), event('A1')], 'no_stream');
    const { position } = await store.append('b', [event('B0'), event('B1', { Seats: 10 })], 'no_stream');
    await store.close();
    const db = new Database(join(dir, 'events.sqlite'));
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify({ Seats: 99 }), position);
    db.close();
    raw = new SqliteEventStore(join(dir, 'events.sqlite'));
    store = new HashChainedEventStore(raw);
    expect((await verifyHashChains(raw)).broken).toEqual({
      streamId: 'b',
      revision: 1n,
      position,
      reason: expect.stringContaining('does not match'),
    });
  });

  it('names an event whose type, or recorded actor, time or request, was edited: the hash covers them as it covers the data', async () => {
    await store.append('a', [event('Requested'), event('Granted', { Minutes: 30 })], 'no_stream');
    const [, granted] = await raw.readStream('a');
    await store.close();
    raw = new SqliteEventStore(join(dir, 'events.sqlite'));
    store = new HashChainedEventStore(raw);
    const db = new Database(join(dir, 'events.sqlite'));
    try {
      const original = db.prepare('SELECT type, metadata FROM events WHERE position = ?').get(granted.position) as { type: string; metadata: string };
      for (const edit of [
        "UPDATE events SET type = 'Revoked' WHERE position = ?",
        "UPDATE events SET metadata = json_set(metadata, '$.actor', 'mallory') WHERE position = ?",
        "UPDATE events SET metadata = json_set(metadata, '$.occurredAt', '2026-03-02T09:00:00.000Z') WHERE position = ?",
        "UPDATE events SET metadata = json_set(metadata, '$.correlationId', 'req-2') WHERE position = ?",
      ]) {
        db.prepare(edit).run(granted.position);
        expect([edit, (await verifyHashChains(raw)).broken]).toEqual([
          edit,
          { streamId: 'a', revision: 1n, position: granted.position, reason: expect.stringContaining('does not match') },
        ]);
        db.prepare('UPDATE events SET type = ?, metadata = ? WHERE position = ?').run(original.type, original.metadata, granted.position);
      }
      // Put back as stored, every chain holds again.
      expect((await verifyHashChains(raw)).broken).toBeNull();
    } finally {
      db.close();
    }
  });

  it('names an event whose stored data or metadata is no longer JSON, after checking every event before it', async () => {
    await store.append('a', [event('A0'), event('A1')], 'no_stream');
    const { position } = await store.append('b', [event('B0'), event('B1'), event('B2')], 'no_stream');
    await store.append('a', [event('A2')], 1n);
    await store.close();
    const db = new Database(join(dir, 'events.sqlite'));
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run('{not json', position - 1n);
    db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run('x', position);
    db.close();
    raw = new SqliteEventStore(join(dir, 'events.sqlite'));
    store = new HashChainedEventStore(raw);
    // In one batch with events before it: those are checked, then it is named.
    expect(await verifyHashChains(raw, { batchSize: 10 })).toMatchObject({
      events: 4,
      broken: { streamId: 'b', revision: 1n, position: position - 1n, reason: 'its data is not JSON (it was changed outside the store)' },
    });
    // An edited hash before it is still the first broken link.
    const editedFirst = new Database(join(dir, 'events.sqlite'));
    editedFirst.prepare("UPDATE events SET data = '{\"forged\":1}' WHERE position = ?").run(position - 2n);
    editedFirst.close();
    expect((await verifyHashChains(raw, { batchSize: 10 })).broken).toMatchObject({ position: position - 2n, reason: expect.stringContaining('does not match') });
  });

  it('finds an event written into the file at a position SQLite never gives (0 or below), which its stream reads', async () => {
    await store.append('a', [event('A0'), event('A1')], 'no_stream');
    const [, a1] = await raw.readStream('a');
    const forged = { ...event('Cancelled'), streamId: 'a', revision: 2n };
    const hash = eventHash(a1.metadata.hash as string, forged);
    await store.close();
    const db = new Database(join(dir, 'events.sqlite'));
    db.prepare('INSERT INTO events (position, stream_id, revision, type, data, metadata) VALUES (-5, ?, 2, ?, ?, ?)').run(
      'a',
      'Cancelled',
      '{}',
      JSON.stringify({ ...forged.metadata, hash }),
    );
    db.close();
    raw = new SqliteEventStore(join(dir, 'events.sqlite'));
    store = new HashChainedEventStore(raw);
    // Commands and the history endpoints read the stream, and would take it as the stream's latest fact.
    expect((await raw.readStream('a')).map((e) => e.type)).toEqual(['A0', 'A1', 'Cancelled']);
    // The log's read from its start now reaches it (it read from position 1): first, out of its stream's order.
    expect((await verifyHashChains(raw)).broken).toEqual({ streamId: 'a', revision: 2n, position: -5n, reason: expect.stringContaining('expected revision 0') });
  });

  it('reports a conflict as the plain store does and stores nothing', async () => {
    await store.append('a', [event('A0')], 'no_stream');
    await expect(store.append('a', [event('A1')], 5n)).rejects.toMatchObject({ name: 'WrongExpectedRevisionError' });
    await expect(store.append('a', [event('A1')], 'no_stream')).rejects.toMatchObject({ name: 'WrongExpectedRevisionError' });
    expect(await raw.readStream('a')).toHaveLength(1);
  });
});

describe('canonicalJson', () => {
  it('writes what JSON.stringify writes, with every object key sorted', () => {
    const value = { b: [1, undefined, { z: null, a: 'é"\n' }], a: { d: undefined, c: -0, e: new Date(0), f: () => 1 }, '': true };
    expect(canonicalJson(value)).toBe('{"":true,"a":{"c":0,"e":{}},"b":[1,null,{"a":"é\\"\\n","z":null}]}');
    expect(canonicalJson([null, 'x', 1.5, [], {}])).toBe('[null,"x",1.5,[],{}]');
  });

  it('keeps the order stored hashes were computed with: integer-like keys first, in numeric order', () => {
    expect(canonicalJson({ b: 1, '10': 2, a: 3, '2': 4 })).toBe('{"2":4,"10":2,"a":3,"b":1}');
  });

  it('writes exactly what its first definition wrote (sorted copies, then JSON.stringify) for any value', () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        expect(canonicalJson(v)).toBe(firstCanonicalJson(v));
      }),
      { numRuns: 1000 },
    );
    fc.assert(fc.property(fc.jsonValue(), (v) => canonicalJson(v) === firstCanonicalJson(v)), { numRuns: 500 });
  });

  it('writes an object whose keys it has seen before (its remembered key order) as the first time', () => {
    fc.assert(
      fc.property(fc.dictionary(key, leaf, { minKeys: 1 }), (v) => {
        const reversed = Object.fromEntries(Object.entries(v).reverse());
        expect([canonicalJson(v), canonicalJson(v), canonicalJson(reversed), canonicalJson([v, reversed, v])]).toEqual([
          firstCanonicalJson(v),
          firstCanonicalJson(v),
          firstCanonicalJson(v),
          firstCanonicalJson([v, v, v]),
        ]);
      }),
      { numRuns: 500 },
    );
    // Many shapes sharing a first key: past the remembered ones each is still worked out.
    const shapes = Array.from({ length: 40 }, (_, i) => ({ a: 1, [`k${i}`]: i, [`${i}`]: true }));
    for (const shape of [...shapes, ...shapes]) expect(canonicalJson(shape)).toBe(firstCanonicalJson(shape));
  });
});

describe('eventHash', () => {
  it('is the SHA-256 of the first canonical JSON of [previous hash, stream, revision, type, data, metadata without its hash]', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string(), { nil: null }),
        fc.string(),
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        fc.dictionary(key, anyValue),
        fc.dictionary(fc.oneof(key, fc.constant('hash')), anyValue),
        (previousHash, streamId, revision, data, metadata) => {
          const { hash: _own, ...unhashed } = metadata;
          const text = firstCanonicalJson([previousHash, streamId, revision.toString(), 'T', data, unhashed]);
          expect(eventHash(previousHash, { streamId, revision, type: 'T', data, metadata: metadata as EventMetadata })).toBe(sha256(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('appends each event with the metadata JSON its first definition stored (copy, delete the hash, add it last)', async () => {
    const metadataOf = fc.dictionary(fc.oneof(key, fc.constantFrom('hash', '__proto__', 'schemaVersion')), leaf);
    await fc.assert(
      fc.asyncProperty(fc.array(metadataOf, { minLength: 1, maxLength: 4 }), async (metadatas) => {
        const appended: NewEvent[] = [];
        const recorder = { append: async (_s: string, events: readonly NewEvent[]): Promise<AppendResult> => {
          appended.push(...events);
          return { nextExpectedRevision: BigInt(events.length - 1), position: 1n };
        } } as unknown as EventStore;
        const events = metadatas.map((metadata) => ({ type: 'T', data: { n: 1 }, metadata: metadata as EventMetadata }));
        await new HashChainedEventStore(recorder).append('s', events, 'no_stream');
        let previousHash: string | null = null;
        const expected = events.map((event, revision) => {
          const metadata: Record<string, unknown> = { ...event.metadata };
          delete metadata.hash;
          const text = firstCanonicalJson([previousHash, 's', String(revision), 'T', event.data, metadata]);
          previousHash = sha256(text);
          return JSON.stringify({ ...event, metadata: { ...metadata, hash: previousHash } });
        });
        expect(appended.map((event) => JSON.stringify(event))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the log seal', () => {
  let dir: string;
  let file: string;
  let store: HashChainedEventStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'log-seal-'));
    file = join(dir, 'events.sqlite');
    store = new HashChainedEventStore(new SqliteEventStore(file));
    await store.append('registration-1', [event('Registered'), event('Cancelled')], 'no_stream');
    await store.append('registration-2', [event('Registered'), event('Deleted')], 'no_stream');
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Edits the stored rows with the store closed, as someone with access to the file could. */
  async function tamper(edit: (db: Database.Database) => void): Promise<void> {
    await store.close();
    const db = new Database(file);
    edit(db);
    db.close();
    store = new HashChainedEventStore(new SqliteEventStore(file));
  }

  it('shows the last event of a stream removed, which every hash chain still allows: by the store\'s record of the stream, else by the seal', async () => {
    const { seal } = await verifyHashChains(store);
    await tamper((db) => db.prepare("DELETE FROM events WHERE stream_id = 'registration-2' AND revision = 1").run());
    const raw = new SqliteEventStore(file);
    try {
      expect(await verifyHashChains(raw)).toMatchObject({ events: 3, broken: null, recordDiffers: { streamId: 'registration-2', lastEvent: 0n, recorded: 1n } });
      // Whoever also mends the record leaves chains and records agreeing: the seal still shows it.
      await tamper((db) => db.prepare("UPDATE streams SET revision = 0 WHERE stream_id = 'registration-2'").run());
      expect(await verifyHashChains(raw)).toMatchObject({ events: 3, broken: null, recordDiffers: null, sealHolds: null });
      expect((await verifyHashChains(raw, { seal: seal! })).sealHolds).toBe(false);
      // A stream removed whole, record and all, likewise; its record left behind names it.
      await tamper((db) => db.prepare("DELETE FROM events WHERE stream_id = 'registration-2'").run());
      expect((await verifyHashChains(raw)).recordDiffers).toEqual({ streamId: 'registration-2', lastEvent: null, recorded: 0n });
    } finally {
      await raw.close();
    }
  });

  it('shows an edit whose later hashes were recomputed, which every hash chain still allows', async () => {
    const { seal } = await verifyHashChains(store);
    await tamper((db) => {
      const row = db.prepare("SELECT * FROM events WHERE stream_id = 'registration-1' AND revision = 1").get() as { position: number; metadata: string };
      const metadata = JSON.parse(row.metadata) as EventMetadata;
      const data = { Reason: 'forged' };
      const first = db.prepare("SELECT metadata FROM events WHERE stream_id = 'registration-1' AND revision = 0").pluck().get() as string;
      const hash = eventHash(JSON.parse(first).hash as string, { streamId: 'registration-1', revision: 1n, type: 'Cancelled', data, metadata });
      db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?').run(JSON.stringify(data), JSON.stringify({ ...metadata, hash }), row.position);
    });

    expect((await verifyHashChains(store)).broken).toBeNull();
    expect((await verifyHashChains(store, { seal: seal! })).sealHolds).toBe(false);
  });

  it('still holds after more events are appended, and the new seal covers them', async () => {
    const first = (await verifyHashChains(store)).seal!;
    await store.append('registration-1', [event('Reinstated')], 1n);
    await store.append('registration-3', [event('Registered')], 'no_stream');

    const later = await verifyHashChains(store, { seal: first, batchSize: 2 });
    expect(later.sealHolds).toBe(true);
    expect(later.seal!.position).toBeGreaterThan(first.position);
    expect(later.seal!.digest).not.toBe(first.digest);
    expect((await verifyHashChains(store, { seal: later.seal! })).sealHolds).toBe(true);
  });

  it('reads back as printed, and refuses anything else', async () => {
    const { seal } = await verifyHashChains(store);
    expect(parseSeal(formatSeal(seal!))).toEqual(seal);
    expect(parseSeal(formatSeal(seal!).toUpperCase())).toEqual(seal);
    for (const text of ['', '12', `x:${seal!.digest}`, `12:${seal!.digest.slice(1)}`, `-1:${seal!.digest}`]) expect(parseSeal(text)).toBeNull();
  });

  it('is null for an empty log', async () => {
    await tamper((db) => db.prepare('DELETE FROM events').run());
    expect(await verifyHashChains(store)).toMatchObject({ events: 0, broken: null, seal: null });
  });
});

describe('hash chain decorator remembering the last hash', () => {
  it('chains an append to the event another process appended since this one last looked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hash-chain-'));
    const file = join(dir, 'events.sqlite');
    const here = new HashChainedEventStore(new SqliteEventStore(file));
    const elsewhere = new HashChainedEventStore(new SqliteEventStore(file));
    try {
      await here.append('a', [event('A0')], 'no_stream');
      await elsewhere.append('a', [event('A1')], 0n);
      await expect(here.append('a', [event('A1')], 0n)).rejects.toMatchObject({ name: 'WrongExpectedRevisionError' });
      await here.append('a', [event('A2')], 1n);
      expect(await verifyHashChains(here)).toMatchObject({ events: 3, streams: 1, broken: null });
    } finally {
      await here.close();
      await elsewhere.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const key = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.nat().map(String),
  fc.integer().map(String),
  fc.constantFrom('0', '01', '1.5', '4294967294', '4294967295', '4294967296', '__proto__', 'toString', '\ud800', ''),
);
const leaf = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('\ud800', 'a\udc00', '"\\\n\u2028'),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
);
const { value: anyValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value')), fc.dictionary(key, tie('value'))),
}));

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** canonicalJson as first written: every stored hash was computed with this text. */
function firstCanonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
