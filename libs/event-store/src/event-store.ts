/**
 * The event store port. Everything that writes facts goes through `append`; everything that
 * rebuilds state reads a stream or the global log. Adapters: SQLite (embedded default) and
 * EventStoreDB. Revisions and positions are bigint in memory; they are strings on the wire.
 */

/** What the writer believes about the stream: it must not exist yet, it may be anything, or its
 * last event has exactly this revision (0-based, as in EventStoreDB). */
export type ExpectedRevision = 'no_stream' | 'any' | bigint;

/** Metadata stored with every event, for auditors and for tracing a request to its facts. */
export interface EventMetadata {
  /** Tenant the event belongs to. */
  organization: string;
  /** Who acted (the token's `sub`), or a system actor such as `system:projector`. */
  actor: string;
  /** When the fact happened, ISO 8601 UTC. Passed in by the application, never read in the domain. */
  occurredAt: string;
  /** The HTTP request id (or CLI run id) that caused the append. */
  correlationId: string;
  /** The id of the command or event that directly caused this one. */
  causationId: string | null;
  /** Version of the `data` schema of this event type; upcasters lift old versions on read. */
  schemaVersion: number;
  /**
   * Only on a completion written on another request's behalf (its actor, request id and
   * `occurredAt` are that request's): when it was written, ISO 8601 UTC.
   */
  completedAt?: string;
  /** Any further keys (e.g. the tamper-evidence hash chain) are kept as they are. */
  [key: string]: unknown;
}

export interface NewEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface StoredEvent {
  streamId: string;
  /** 0-based position of the event inside its stream. */
  revision: bigint;
  /** Global, strictly increasing (not necessarily contiguous) position in the whole log. */
  position: bigint;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface AppendResult {
  /** Revision of the last event appended: the expected revision for the next append. */
  nextExpectedRevision: bigint;
  /** Global position of the last event appended: wait for projections to pass it for read-your-writes. */
  position: bigint;
}

/** Positions are 64-bit integers: SQLite's row ids (EventStoreDB's commit positions fit too). */
export const MIN_POSITION = -(2n ** 63n);
export const MAX_POSITION = 2n ** 63n - 1n;

/** The store cannot be opened as asked: the message says why and what to do (no stack needed). */
export class EventStoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventStoreUnavailableError';
  }
}

/**
 * A stored event that cannot be read: its data or its metadata is not JSON. The store never writes
 * such a row, so the log was changed outside it. Names the event, for an auditor to find it.
 */
export class UnreadableEventError extends Error {
  constructor(
    readonly streamId: string,
    readonly revision: bigint,
    readonly position: bigint,
    readonly part: 'data' | 'metadata',
  ) {
    super(`The event at position ${position} (stream ${streamId}, revision ${revision}) cannot be read: its ${part} is not JSON (changed outside the store)`);
    this.name = 'UnreadableEventError';
  }
}

/**
 * Up to `limit` events after `after`, as `readAll`, and the event that could not be read right
 * after them, if one could not: the events before it are read one at a time, so that a reader of
 * the whole log (a verify, an export) gets every event before a damaged one.
 */
export async function readAllUpToUnreadable(
  store: Pick<EventStore, 'readAll'>,
  { after, limit }: ReadAllOptions,
): Promise<{ events: StoredEvent[]; unreadable: UnreadableEventError | null }> {
  try {
    return { events: await store.readAll({ after, limit }), unreadable: null };
  } catch (error) {
    if (!(error instanceof UnreadableEventError)) throw error;
    const events: StoredEvent[] = [];
    for (let cursor = after; events.length < limit; ) {
      try {
        const [event] = await store.readAll({ after: cursor, limit: 1 });
        if (event === undefined) break;
        events.push(event);
        cursor = event.position;
      } catch (next) {
        if (next instanceof UnreadableEventError) return { events, unreadable: next };
        throw next;
      }
    }
    return { events, unreadable: null }; // the damaged row was mended or removed meanwhile
  }
}

/** Optimistic concurrency failure: somebody else appended first (or the stream exists / does not). */
export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, or 'no_stream'. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Wrong expected revision on ${streamId}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive). Default 0. */
  fromRevision?: bigint;
  /** At most this many events (a positive integer). Default: to the stream's end. */
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Return events strictly after this global position. Undefined: from the beginning. */
  after?: bigint;
  /** Maximum number of events in the batch. */
  limit: number;
}

export type Unsubscribe = () => void;

export interface EventStore {
  /** Appends atomically (all or nothing) if the stream matches `expected`; otherwise throws
   * WrongExpectedRevisionError and stores nothing. `events` must not be empty. */
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** The stream's events in revision order; [] when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** A batch of the global log in position order. */
  readAll(options: ReadAllOptions): Promise<StoredEvent[]>;
  /** Global position of the last stored event, or null when the store is empty. */
  headPosition(): Promise<bigint | null>;
  /**
   * Each stream's last revision as the store records it apart from the events (the embedded
   * store's `streams` table, which appends check against), where it keeps such a record: an audit
   * compares it with the events, which shows a stream's last events removed by hand.
   */
  recordedStreamRevisions?(): AsyncIterable<{ streamId: string; revision: bigint }>;
  /**
   * A window of the global log: up to `limit` events after `after`, of which only those whose type
   * is one of `types` are returned (read without the rest where the adapter can), and `last`, the
   * position the window reached (null: nothing after `after`), for the reader to go on from.
   */
  readTypes(options: ReadAllOptions, types: readonly string[]): Promise<{ events: StoredEvent[]; last: bigint | null }>;
  /**
   * The position a subscriber that acts on the log (a reactor) stored with `saveCheckpoint`:
   * undefined when it never stored one, null when it stored that it starts from the beginning.
   */
  loadCheckpoint(subscriber: string): Promise<bigint | null | undefined>;
  /** Stores how far `subscriber` has acted on the log (null: from the beginning), beside the events. */
  saveCheckpoint(subscriber: string, position: bigint | null): Promise<void>;
  /** Live follow: `listener` is called (possibly coalesced) after new events are stored,
   * including events appended by other processes where the adapter can see them. */
  onAppended(listener: () => void): Unsubscribe;
  close(): Promise<void>;
}
