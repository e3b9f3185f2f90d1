/**
 * Event schema versioning: stored events are never rewritten. When the data shape of an event
 * type changes, its schema version is bumped and an upcaster lifts the previous version on read.
 * Every reader (command side, projections, history, export) goes through this decorator, so the
 * code only ever sees the current shape; the hash chain and `audit verify` see the stored bytes.
 */
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from './event-store.js';
import { ForwardingEventStore } from './forwarding-event-store.js';

/** Lifts `data` of one event type from `fromVersion` to `fromVersion + 1`. Must be pure. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

/**
 * An event stored with a schema version above the one this build writes: a newer version of the
 * service wrote it, in a shape this one does not know. Read as if it were the known shape, it
 * would be misread without a sign, so the read stops, naming the event.
 */
export class NewerSchemaVersionError extends Error {
  /** Where the event is in the log, for a reader to pass over it. */
  readonly position: bigint;

  constructor(event: StoredEvent, known: number) {
    super(
      `The event at position ${event.position} (${event.type} in stream ${event.streamId}) has schema version ` +
        `${event.metadata.schemaVersion}, newer than this version of the service reads (${known}): it was written by a newer version`,
    );
    this.name = 'NewerSchemaVersionError';
    this.position = event.position;
  }
}

export class UpcasterRegistry {
  private readonly byTypeAndVersion = new Map<string, Upcaster>();
  private readonly current = new Map<string, number>();

  constructor(upcasters: readonly Upcaster[]) {
    for (const upcaster of upcasters) {
      const key = `${upcaster.type}@${upcaster.fromVersion}`;
      if (this.byTypeAndVersion.has(key)) throw new Error(`Two upcasters for ${key}`);
      this.byTypeAndVersion.set(key, upcaster);
      this.current.set(upcaster.type, Math.max(this.current.get(upcaster.type) ?? 1, upcaster.fromVersion + 1));
    }
  }

  /** The version new events of this type are written with (1 for types never changed). */
  currentVersion(type: string): number {
    return this.current.get(type) ?? 1;
  }

  upcast(event: StoredEvent): StoredEvent {
    let version = event.metadata.schemaVersion ?? 1;
    const target = this.currentVersion(event.type);
    if (version > target) throw new NewerSchemaVersionError(event, target);
    if (version === target) return event;
    let data = event.data;
    while (version < target) {
      const upcaster = this.byTypeAndVersion.get(`${event.type}@${version}`);
      if (!upcaster) throw new Error(`No upcaster for ${event.type} schema version ${version}`);
      data = upcaster.upcast(data);
      version += 1;
    }
    return { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
  }
}

/** An EventStore decorator: upcasts on read, stamps the current schema version on append. */
export class UpcastingEventStore extends ForwardingEventStore {
  constructor(
    inner: EventStore,
    private readonly registry: UpcasterRegistry,
  ) {
    super(inner);
  }

  override append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    // Writers produce the current shape; the version must say so whatever the writer stamped.
    const stamped = events.map((event) => ({
      ...event,
      metadata: { ...event.metadata, schemaVersion: this.registry.currentVersion(event.type) },
    }));
    return this.inner.append(streamId, stamped, expected);
  }

  override async readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return (await this.inner.readStream(streamId, options)).map((event) => this.registry.upcast(event));
  }

  override async readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    return (await this.inner.readAll(options)).map((event) => this.registry.upcast(event));
  }

  override async readTypes(options: ReadAllOptions, types: readonly string[]): Promise<{ events: StoredEvent[]; last: bigint | null }> {
    const { events, last } = await this.inner.readTypes(options, types);
    return { events: events.map((event) => this.registry.upcast(event)), last };
  }
}
