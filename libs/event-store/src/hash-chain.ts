/**
 * Tamper evidence: every event records in `metadata.hash` a SHA-256 chained to the previous event
 * of its stream. Editing, removing or reordering a stored event breaks the chain from that event
 * on, and `verifyHashChains` names the first broken link. It is evidence, not prevention: whoever
 * can write the store can also recompute every later hash, and the last events of a stream can go
 * unseen: keep the log's seal (log-seal.ts, printed by `audit verify`) where the writer cannot
 * reach it, and check the log against it later.
 */
import crypto from 'node:crypto';
import {
  readAllUpToUnreadable,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type StoredEvent,
  type ReadStreamOptions,
} from './event-store.js';
import { BoundedCache } from './bounded-cache.js';
import { ForwardingEventStore } from './forwarding-event-store.js';
import { LogDigest, type LogSeal } from './log-seal.js';

export const HASH_KEY = 'hash';

/**
 * JSON with object keys sorted, so that the same content always hashes the same. It must never
 * change: every stored hash was computed with it. It was first written as
 * `JSON.stringify(sortKeys(value))`, where `sortKeys` rebuilt every object with its keys sorted;
 * a rebuilt object lists integer-like keys first, in numeric order, as JavaScript orders them (a
 * one-pass rewrite that sorted them as text was reverted because it changed hashes). This writes
 * the same text directly, without the sorted copies (hash-chain.spec.ts checks it against that
 * definition on generated values). For JSON data, which is all an event holds: an object with a
 * `toJSON` method of its own, which that definition would have called, is written as its fields.
 */
export function canonicalJson(value: unknown): string {
  return writeValue(value) as string;
}

/** The JSON text of `value`, or undefined where JSON.stringify leaves a value out (undefined, functions, symbols). */
function writeValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return writeString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? writeArray(value) : writeObject(value as Record<string, unknown>);
    case 'bigint':
      return JSON.stringify(value);
    default:
      return undefined;
  }
}

function writeArray(values: readonly unknown[]): string {
  let text = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    text += writeValue(values[i]) ?? 'null';
  }
  return text + ']';
}

/**
 * Any object but an array (a Date too, which the old rebuild turned into `{}`: it has no own keys).
 * `omitted`: a key left out as if the object did not have it (the event's own hash, without a copy).
 */
function writeObject(object: Record<string, unknown>, omitted?: string): string {
  const keys = Object.keys(object);
  if (keys.length === 0) return '{}';
  const { ordered, written } = shapeOf(keys);
  let text = '{';
  for (let i = 0; i < ordered.length; i++) {
    const key = ordered[i];
    if (key === omitted) continue;
    const value = writeValue(object[key]);
    if (value === undefined) continue;
    text += text.length > 1 ? ',' + written[i] + value : written[i] + value;
  }
  return text + '}';
}

/** Characters JSON.stringify escapes: quote, backslash, controls, and surrogates (a lone one is escaped). */
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

function writeString(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** An object's keys as listed (`keys`), in canonical order (`ordered`), each written with its colon (`written`). */
interface KeyShape {
  keys: readonly string[];
  ordered: readonly string[];
  written: readonly string[];
}

/**
 * Shapes of recently written objects, by first key. Events of a type repeat the same keys, and
 * sorting them again for every object was a third of the garbage the hash chain made (V8's sort
 * copies into a work array). Bounded, because data may bring keys of its own; a shape not kept is
 * worked out again, to the same text.
 */
const shapesByFirstKey = new Map<string, KeyShape[]>();
const MAX_SHAPES = 2048;
const MAX_SHAPES_PER_FIRST_KEY = 16;
let shapesKept = 0;

function shapeOf(keys: string[]): KeyShape {
  const candidates = shapesByFirstKey.get(keys[0]);
  if (candidates) for (const shape of candidates) if (sameKeys(shape.keys, keys)) return shape;
  const ordered = keyOrder([...keys]);
  const shape: KeyShape = { keys, ordered, written: ordered.map((key) => writeString(key) + ':') };
  if (shapesKept < MAX_SHAPES && (candidates?.length ?? 0) < MAX_SHAPES_PER_FIRST_KEY) {
    if (candidates) candidates.push(shape);
    else shapesByFirstKey.set(keys[0], [shape]);
    shapesKept++;
  }
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The key order of an object rebuilt from the sorted keys: array indexes first, numerically, then the rest as sorted. */
function keyOrder(keys: string[]): string[] {
  keys.sort();
  if (!keys.some(isArrayIndex)) return keys;
  const indexes = keys.filter(isArrayIndex);
  indexes.sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...keys.filter((key) => !isArrayIndex(key))];
}

/** A canonical integer below 2^32 − 1, the keys JavaScript lists first (ECMA-262 "array index"). */
function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57) return false;
  return /^(?:0|[1-9][0-9]{0,9})$/.test(key) && Number(key) <= 4_294_967_294;
}

export interface HashedContent {
  streamId: string;
  revision: bigint;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

/**
 * SHA-256 of the UTF-8 text as hex, by Node's one-shot `crypto.hash` (Node 20.12+; the engines
 * field asks for 20.19): half the time of a Hash object for texts this short. The installed
 * @types/node (20.9) does not declare it yet.
 */
const sha256Hex = (text: string): string =>
  (crypto as unknown as { hash: (algorithm: string, data: string, encoding: 'hex') => string }).hash('sha256', text, 'hex');

/** SHA-256 (hex) over the previous hash (null for a stream's first event) and the event without its own hash. */
export function eventHash(previousHash: string | null, event: HashedContent): string {
  // A JSON array keeps the parts apart: no concatenation of two fields can mimic another split.
  // canonicalJson([previousHash, streamId, revision, type, data, metadata without its hash]),
  // written without building that array or copying the metadata.
  const content =
    '[' +
    (writeValue(previousHash) ?? 'null') +
    ',' +
    (writeValue(event.streamId) ?? 'null') +
    ',' +
    writeString(event.revision.toString()) +
    ',' +
    (writeValue(event.type) ?? 'null') +
    ',' +
    (writeValue(event.data) ?? 'null') +
    ',' +
    writeObject(event.metadata, HASH_KEY) +
    ']';
  return sha256Hex(content);
}

/** Bounded like the command side's retries: only `expected: 'any'` appends can race here. */
const MAX_ANY_ATTEMPTS = 20;

/** Streams whose last hash is kept (the recently used ones). */
const REMEMBERED_STREAMS = 10_000;

/** An EventStore decorator that adds the chained hash to every appended event. */
export class HashChainedEventStore extends ForwardingEventStore {
  /**
   * The last hash seen of each recent stream (read or appended here), by revision: an append at
   * that revision chains to it without reading the event back. A stored event's hash never
   * changes, so an entry can only be missing, never wrong.
   */
  private readonly lastHashes = new BoundedCache<string, { revision: bigint; hash: string | null }>(REMEMBERED_STREAMS);

  override async readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    const events = await this.inner.readStream(streamId, options);
    const last = events.at(-1);
    if (last) this.lastHashes.set(streamId, { revision: last.revision, hash: hashOf(last) });
    return events;
  }

  override async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (expected !== 'any') return this.appendChained(streamId, events, expected);
    // The chain needs the real previous event, so 'any' becomes "the revision just read", retried.
    for (let attempt = 1; ; attempt++) {
      const last = await this.lastEvent(streamId);
      try {
        return await this.appendChained(streamId, events, last ? last.revision : 'no_stream', last);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ANY_ATTEMPTS) throw error;
      }
    }
  }

  private async appendChained(
    streamId: string,
    events: readonly NewEvent[],
    expected: 'no_stream' | bigint,
    known?: StoredEvent | null,
  ): Promise<AppendResult> {
    let previousHash: string | null = null;
    let revision = -1n;
    if (expected !== 'no_stream') {
      const remembered = this.lastHashes.get(streamId);
      if (remembered?.revision === expected) {
        previousHash = remembered.hash;
      } else {
        const previous = known ?? (await this.inner.readStream(streamId, { fromRevision: expected }))[0];
        // The stream is not where the caller thinks: let the inner store report the conflict.
        if (!previous || previous.revision !== expected) return this.inner.append(streamId, events, expected);
        previousHash = hashOf(previous);
      }
      revision = expected;
    }
    const chained = events.map((event) => {
      revision += 1n;
      // eventHash leaves out a hash the caller may have put in the metadata, as withHash does.
      const hash = eventHash(previousHash, { streamId, revision, type: event.type, data: event.data, metadata: event.metadata });
      previousHash = hash;
      return { ...event, metadata: withHash(event.metadata, hash) };
    });
    const result = await this.inner.append(streamId, chained, expected);
    this.lastHashes.set(streamId, { revision: result.nextExpectedRevision, hash: previousHash });
    return result;
  }

  private async lastEvent(streamId: string): Promise<StoredEvent | null> {
    // Streams are short (one aggregate each), so reading one whole is cheap enough for the rare 'any'.
    return (await this.inner.readStream(streamId)).at(-1) ?? null;
  }
}

/**
 * The metadata with `hash` as its last key (where it has always been stored), replacing one it had.
 * Object.assign rather than `{ ...metadata, hash }`: on Node 20's V8 a key added to a spread copy
 * goes through the runtime (about 2 µs, against 0.2). The two differ only for an own `__proto__`
 * key, which assigning would turn into the prototype, so such metadata is still spread.
 */
function withHash(metadata: EventMetadata, hash: string): EventMetadata {
  if (!Object.hasOwn(metadata, HASH_KEY) && !Object.hasOwn(metadata, '__proto__')) return Object.assign({}, metadata, { [HASH_KEY]: hash });
  const { [HASH_KEY]: _replaced, ...rest } = metadata;
  return { ...rest, [HASH_KEY]: hash };
}

function hashOf(event: StoredEvent): string | null {
  const hash = event.metadata[HASH_KEY];
  return typeof hash === 'string' ? hash : null;
}

export interface BrokenLink {
  streamId: string;
  revision: bigint;
  position: bigint;
  reason: string;
}

export interface ChainReport {
  events: number;
  streams: number;
  /** The first broken link in log order, or null when every chain holds. */
  broken: BrokenLink | null;
  /** The seal of the whole log as read (null when it is empty or a chain is broken). */
  seal: LogSeal | null;
  /** Whether the log still matches the seal given to check; null when none was given or a chain is broken. */
  sealHolds: boolean | null;
  /**
   * With every chain holding, the first stream whose events end elsewhere than the store's own
   * record of it says (null: the records agree, or the store keeps none).
   */
  recordDiffers: RecordMismatch | null;
}

export interface RecordMismatch {
  streamId: string;
  /** Its last event's revision; null when it has no event at all. */
  lastEvent: bigint | null;
  /** The revision the store records; null when it records none. */
  recorded: bigint | null;
}

export interface VerifyOptions {
  batchSize?: number;
  /** A seal printed by an earlier verify, to check the log up to its position against. */
  seal?: LogSeal;
}

/**
 * Recomputes every stream's chain over the raw log (read it WITHOUT upcasting: the hash covers
 * the data as stored), and the log's seal (log-seal.ts) on the way. Stops at the first broken
 * link: everything after it in that stream is suspect anyway.
 */
export async function verifyHashChains(store: EventStore, options: VerifyOptions = {}): Promise<ChainReport> {
  const batchSize = options.batchSize ?? 1000;
  const lastHash = new Map<string, { revision: bigint; hash: string }>();
  const digest = new LogDigest(options.seal ?? null);
  let events = 0;
  let after: bigint | undefined;
  const brokenAt = (link: Omit<BrokenLink, 'reason'>, reason: string): ChainReport => ({
    events,
    streams: lastHash.size,
    broken: { streamId: link.streamId, revision: link.revision, position: link.position, reason },
    seal: null,
    sealHolds: null,
    recordDiffers: null,
  });
  for (;;) {
    const { events: batch, unreadable } = await readAllUpToUnreadable(store, { after, limit: batchSize });
    for (const event of batch) {
      events++;
      const previous = lastHash.get(event.streamId) ?? null;
      const broken = (reason: string) => brokenAt(event, reason);
      const expectedRevision = previous ? previous.revision + 1n : 0n;
      if (event.revision !== expectedRevision) {
        return broken(`expected revision ${expectedRevision} (an event is missing or out of place)`);
      }
      const stored = hashOf(event);
      if (stored === null) return broken('the event has no hash');
      if (stored !== eventHash(previous?.hash ?? null, event)) {
        return broken('the stored hash does not match the event (its content or an earlier event changed)');
      }
      lastHash.set(event.streamId, { revision: event.revision, hash: stored });
      digest.add(event.position, stored);
    }
    if (unreadable !== null) {
      events++;
      return brokenAt(unreadable, `its ${unreadable.part} is not JSON (it was changed outside the store)`);
    }
    if (batch.length < batchSize) {
      const recordDiffers = await differingRecord(store, lastHash);
      return { events, streams: lastHash.size, broken: null, seal: digest.seal(), sealHolds: digest.checkedSealHolds(), recordDiffers };
    }
    after = batch[batch.length - 1].position;
  }
}

/**
 * The first stream whose record (where the store keeps one) disagrees with its events: removing a
 * stream's last events, or a whole stream, leaves every chain whole, but not the record, unless
 * that was changed too (the seal shows both).
 */
async function differingRecord(store: EventStore, lastEvents: ReadonlyMap<string, { revision: bigint }>): Promise<RecordMismatch | null> {
  if (!store.recordedStreamRevisions) return null;
  let recordedStreams = 0;
  for await (const { streamId, revision } of store.recordedStreamRevisions()) {
    recordedStreams++;
    const lastEvent = lastEvents.get(streamId)?.revision ?? null;
    if (lastEvent !== revision) return { streamId, lastEvent, recorded: revision };
  }
  if (recordedStreams === lastEvents.size) return null;
  // A stream with events and no record: found by a second pass, only in this rare case.
  const recorded = new Set<string>();
  for await (const { streamId } of store.recordedStreamRevisions()) recorded.add(streamId);
  for (const [streamId, { revision }] of lastEvents) if (!recorded.has(streamId)) return { streamId, lastEvent: revision, recorded: null };
  return null;
}
