import { BoundedCache } from '../../../event-store/src/bounded-cache.js';
import type { EventStore, ExpectedRevision, NewEvent, StoredEvent } from '../../../event-store/src/event-store.js';
import { WrongExpectedRevisionError } from '../../../event-store/src/event-store.js';
import type { Decider, DomainEvent } from '../../../domain/src/shared/decider.js';
import type { CommandContext } from './command-context.js';

type Evolver<State, Event extends DomainEvent> = Pick<Decider<unknown, State, Event>, 'initialState' | 'evolve'>;

export interface LoadedStream<State> {
  state: State;
  /** Expected revision for the next append. */
  revision: ExpectedRevision;
  /** Global position of the stream's last event (for read-your-writes), null if the stream is empty. */
  lastPosition: bigint | null;
}

/** A stream folded up to `revision` by `evolver`: stored events never change, so neither does this. */
interface FoldedStream {
  evolver: unknown;
  state: unknown;
  revision: bigint;
  lastPosition: bigint;
}

/** Streams whose folded state is kept (the recently used ones: a few MB at most). */
const FOLDED_STREAMS = 10_000;

export interface UpdateResult<State, Event extends DomainEvent> {
  before: State;
  after: State;
  /** What this command appended ([] when the decision was a no-op). */
  appended: Event[];
  /** Position to wait for before answering: the append, or the stream's latest event on a no-op. */
  position: bigint | null;
}

/** Bounded: a stream this contended means something is wrong, and the client may retry. */
const MAX_ATTEMPTS = 20;

/**
 * The command side's only way to touch the event store: load a stream and fold it, decide, and
 * append with the revision that was read. A version conflict means another writer got there
 * first: reload and decide again, so concurrent commands never lose an update.
 */
export class EventSourcedStreams {
  private readonly folded = new BoundedCache<string, FoldedStream>(FOLDED_STREAMS);

  constructor(private readonly eventStore: EventStore) {}

  /**
   * The stream's current state. A stream folded before is only read from the revision after the
   * one it was folded to, so whatever was appended since (by any process) is always folded in.
   */
  async load<State, Event extends DomainEvent>(
    streamId: string,
    evolver: Evolver<State, Event>,
  ): Promise<LoadedStream<State>> {
    const cached = this.folded.get(streamId);
    const known = cached?.evolver === evolver ? cached : undefined;
    const events = await this.eventStore.readStream(streamId, { fromRevision: known ? known.revision + 1n : 0n });
    const state = events.reduce(
      (current, stored) => evolver.evolve(current, { type: stored.type, data: stored.data } as Event),
      known ? (known.state as State) : evolver.initialState,
    );
    const last = events.at(-1);
    if (last) {
      this.folded.set(streamId, { evolver, state, revision: last.revision, lastPosition: last.position });
      return { state, revision: last.revision, lastPosition: last.position };
    }
    return known ? { state, revision: known.revision, lastPosition: known.lastPosition } : { state, revision: 'no_stream', lastPosition: null };
  }

  /**
   * Loads, decides with `decide(state)` and appends. `decide` may throw a DomainError, which
   * propagates unchanged (nothing appended). It must be pure: it can run more than once.
   * `loaded`: the stream as the caller has just loaded it, decided on instead of reading it again.
   * If it is no longer current and the decision appends, the append fails on its revision and the
   * next attempt reloads; a decision that appends nothing (or refuses) stands as of that load.
   */
  async update<State, Event extends DomainEvent>(
    streamId: string,
    evolver: Evolver<State, Event>,
    decide: (state: State) => Event[],
    context: CommandContext,
    loaded?: LoadedStream<State>,
  ): Promise<UpdateResult<State, Event>> {
    for (let attempt = 1; ; attempt++) {
      const current = attempt === 1 && loaded ? loaded : await this.load(streamId, evolver);
      const decided = decide(current.state);
      if (decided.length === 0) {
        return { before: current.state, after: current.state, appended: [], position: current.lastPosition };
      }
      try {
        const result = await this.eventStore.append(streamId, this.toNewEvents(decided, context), current.revision);
        const after = decided.reduce(evolver.evolve, current.state);
        return { before: current.state, after, appended: decided, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** The stream's last stored event of `type` (with its metadata), for a completion written on its request's behalf. */
  async lastStored(streamId: string, type: string): Promise<StoredEvent | undefined> {
    return (await this.eventStore.readStream(streamId)).findLast((event) => event.type === type);
  }

  toNewEvents(events: readonly DomainEvent[], context: CommandContext): NewEvent[] {
    return events.map((event) => ({
      type: event.type,
      data: event.data as Record<string, unknown>,
      metadata: {
        organization: context.organization,
        actor: context.actor,
        occurredAt: context.now.toISOString(),
        correlationId: context.correlationId,
        causationId: context.causationId ?? context.correlationId,
        // Version 1 for a bare store; the upcasting store stamps each type's current version.
        schemaVersion: 1,
        ...(context.completedAt && { completedAt: context.completedAt.toISOString() }),
      },
    }));
  }
}
