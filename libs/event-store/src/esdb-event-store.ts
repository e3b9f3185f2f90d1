import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type ReadPosition,
  type RecordedEvent,
} from '@eventstore/db-client';
import {
  WrongExpectedRevisionError,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type Unsubscribe,
} from './event-store.js';

/** How long to wait before re-subscribing after the live subscription dropped (server restart…). */
const RESUBSCRIBE_DELAY_MS = 1000;
/** First page size when scanning $all backwards for the newest non-system event. */
const HEAD_SCAN_PAGE = 32;
/** Smallest page read from $all, so that runs of system events are skipped in few round trips. */
const MIN_READ_PAGE = 100;
/** The type of a subscriber's checkpoint event: `$`-prefixed, so that readers of the log skip it. */
const CHECKPOINT_TYPE = '$booking-checkpoint';
const CHECKPOINTS_KEPT = 3;

/**
 * The EventStoreDB adapter (server 22.6 or later: earlier servers do not report positions on
 * stream reads). The global position of an event is its commit position in $all; system events
 * (`$`-prefixed types or streams) are invisible through this port.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<Unsubscribe>();
  private readonly checkpointStreamsBounded = new Set<string>();

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) throw new Error(`append to ${streamId} needs at least one event`);
    events.forEach((event) => assertJsonSerialisable(streamId, event));
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((event) => jsonEvent({ type: event.type, data: event.data, metadata: event.metadata })),
        { expectedRevision: toEsdbExpected(expected) },
      );
      // A connection string with `throwOnAppendFailure=false` reports a conflict instead of throwing it.
      if (!result.success) throw new WrongExpectedRevisionError(streamId, expected, result.nextExpectedRevision < 0n ? 'no_stream' : result.nextExpectedRevision);
      if (!result.position) throw new Error('EventStoreDB did not report the position of the append');
      return { nextExpectedRevision: result.nextExpectedRevision, position: result.position.commit };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedRevisionError(streamId, expected, error.actualVersion);
      }
      throw error;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const stored: StoredEvent[] = [];
    try {
      const read: Parameters<EventStoreDBClient['readStream']>[1] = { fromRevision: options.fromRevision ?? START };
      if (options.maxCount !== undefined) read.maxCount = options.maxCount;
      for await (const { event } of this.client.readStream(streamId, read)) {
        if (event) stored.push(toStoredEvent(event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return stored;
  }

  async readAll({ after, limit }: ReadAllOptions): Promise<StoredEvent[]> {
    const stored: StoredEvent[] = [];
    let from: ReadPosition = after === undefined ? START : { commit: after, prepare: after };
    // Reading forwards from a position includes the event at that position: skip it.
    let seenUpTo = after;
    // Reading $all cannot filter server-side in this client, so read pages until `limit`
    // non-system events are found or the log ends.
    while (stored.length < limit) {
      // +1: the page starts with the last event already seen.
      const pageSize = Math.max(limit - stored.length, MIN_READ_PAGE) + 1;
      let received = 0;
      for await (const { event } of this.client.readAll({ fromPosition: from, maxCount: pageSize })) {
        received += 1;
        if (!event || (seenUpTo !== undefined && event.position.commit <= seenUpTo)) continue;
        from = event.position;
        seenUpTo = event.position.commit;
        if (!isSystemEvent(event) && stored.length < limit) stored.push(toStoredEvent(event));
      }
      if (received < pageSize) break;
    }
    return stored;
  }

  /** Reads the window whole and keeps the types asked for: this client's reads of $all take no filter. */
  async readTypes(options: ReadAllOptions, types: readonly string[]): Promise<{ events: StoredEvent[]; last: bigint | null }> {
    const window = await this.readAll(options);
    return { events: window.filter((event) => types.includes(event.type)), last: window.at(-1)?.position ?? null };
  }

  /**
   * A checkpoint is the last event of its own stream, of a `$`-prefixed type: a system event to
   * this port, so that no reader of the log (projections, audits, the reactor itself) sees it.
   */
  async loadCheckpoint(subscriber: string): Promise<bigint | null | undefined> {
    try {
      for await (const { event } of this.client.readStream(checkpointStream(subscriber), { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        const position = (event?.data as { position?: string | null } | undefined)?.position;
        return position === undefined ? undefined : position === null ? null : BigInt(position);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return undefined;
  }

  async saveCheckpoint(subscriber: string, position: bigint | null): Promise<void> {
    const stream = checkpointStream(subscriber);
    // Only the last one is read: keep a few (set once per process, so that one failed try is not for good).
    if (!this.checkpointStreamsBounded.has(stream)) {
      await this.client.setStreamMetadata(stream, { maxCount: CHECKPOINTS_KEPT });
      this.checkpointStreamsBounded.add(stream);
    }
    // Expected revision any: two processes saving at once may leave the older position last, so
    // that a subscriber acts again on a few events; it acts idempotently.
    await this.client.appendToStream(stream, jsonEvent({ type: CHECKPOINT_TYPE, data: { position: position === null ? null : String(position) } }));
  }

  async headPosition(): Promise<bigint | null> {
    for (let pageSize = HEAD_SCAN_PAGE; ; pageSize *= 8) {
      let received = 0;
      for await (const { event } of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: pageSize })) {
        received += 1;
        if (event && !isSystemEvent(event)) return event.position.commit;
      }
      if (received < pageSize) return null;
    }
  }

  onAppended(listener: () => void): Unsubscribe {
    let subscription: AllStreamSubscription | undefined;
    let retry: NodeJS.Timeout | undefined;
    let active = true;
    const subscribe = () => {
      subscription = this.client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
      subscription.on('data', () => listener());
      // A dropped subscription only delays projections (they also poll headPosition): retry quietly.
      subscription.on('error', () => {
        if (active) retry = setTimeout(subscribe, RESUBSCRIBE_DELAY_MS);
      });
    };
    subscribe();
    const unsubscribe = () => {
      active = false;
      clearTimeout(retry);
      // A subscription whose connection never came up rejects its close as well: nothing to close.
      subscription?.unsubscribe().catch(() => undefined);
      this.subscriptions.delete(unsubscribe);
    };
    this.subscriptions.add(unsubscribe);
    return unsubscribe;
  }

  async close(): Promise<void> {
    for (const unsubscribe of [...this.subscriptions]) unsubscribe();
    await this.client.dispose();
  }
}

/**
 * The client serialises events inside a promise executor on its batch-append path, where a throw
 * (a BigInt, a cycle) escapes as an unhandled rejection and the append never settles: check first,
 * so the append rejects and stores nothing, as the port promises.
 */
function assertJsonSerialisable(streamId: string, event: NewEvent): void {
  try {
    JSON.stringify(event.data);
    JSON.stringify(event.metadata);
  } catch (error) {
    throw new Error(`Event ${event.type} for ${streamId} cannot be stored as JSON: ${(error as Error).message}`);
  }
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'any') return ANY;
  return expected;
}

function checkpointStream(subscriber: string): string {
  return `booking-checkpoint-${subscriber}`;
}

function isSystemEvent(event: RecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function toStoredEvent(event: RecordedEvent): StoredEvent {
  if (!event.position) throw new Error(`EventStoreDB did not report the position of ${event.streamId}@${event.revision}`);
  return {
    streamId: event.streamId,
    revision: event.revision,
    position: event.position.commit,
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: event.metadata as EventMetadata,
  };
}
