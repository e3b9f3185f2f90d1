import type { EventStore, StoredEvent } from '../../../event-store/src/event-store.js';
import { HASH_KEY } from '../../../event-store/src/hash-chain.js';
import { catalogStreams } from '../../../domain/src/catalog/catalog.events.js';
import { examEventStreamId } from '../../../domain/src/exam-event/exam-event.decider.js';
import { registrationStreamId } from '../../../domain/src/registration/registration.state.js';
import { DomainError, notFoundMessage } from '../../../domain/src/shared/domain-error.js';

/** One entry of a history endpoint; positions and revisions are strings (bigint on the wire). */
export interface HistoryEntry {
  Position: string;
  Revision: string;
  Type: string;
  /** When it happened (the request that decided it arrived), UTC. */
  Time: string;
  /** A completion written on another request's behalf: when it was written, UTC; otherwise null. */
  CompletedAt: string | null;
  Actor: string;
  CorrelationId: string;
  /** The command that caused it (its request id), or null. */
  CausationId: string | null;
  /** The schema version of `Data` as shown (an older stored one is lifted by its upcaster). */
  SchemaVersion: number;
  /** The stored SHA-256 of the event as stored, chained to its stream's previous event (null: none stored). */
  Hash: string | null;
  Data: Record<string, unknown>;
}

function historyEntry(event: StoredEvent): HistoryEntry {
  return {
    Position: event.position.toString(),
    Revision: event.revision.toString(),
    Type: event.type,
    Time: new Date(event.metadata.occurredAt).toISOString(),
    CompletedAt: typeof event.metadata.completedAt === 'string' ? event.metadata.completedAt : null,
    Actor: event.metadata.actor,
    CorrelationId: event.metadata.correlationId,
    CausationId: event.metadata.causationId ?? null,
    SchemaVersion: event.metadata.schemaVersion,
    Hash: typeof event.metadata[HASH_KEY] === 'string' ? event.metadata[HASH_KEY] : null,
    Data: event.data,
  };
}

/**
 * The domain events of one aggregate, read from its stream (auditors want the facts as stored,
 * not a read model). A stream of another organization is reported exactly like a missing one
 * (a catalog entry's stream is the organization's own: its id names it).
 */
export class AuditHistory {
  constructor(private readonly eventStore: EventStore) {}

  /** Deleted registrations keep their history: the spec keeps it for auditors. */
  registration(organization: string, registrationId: string): Promise<HistoryEntry[]> {
    return this.history(organization, registrationStreamId(registrationId), notFoundMessage('Registration', registrationId));
  }

  examEvent(organization: string, eventId: string): Promise<HistoryEntry[]> {
    return this.history(organization, examEventStreamId(eventId), notFoundMessage('Exam event', eventId));
  }

  /** A catalog entry's definitions (who renamed a venue, changed a form's time limit, and when). */
  catalogEntry(organization: string, kind: keyof typeof catalogStreams, id: string): Promise<HistoryEntry[]> {
    return this.history(organization, catalogStreams[kind](organization, id), notFoundMessage(CATALOG_ENTRY_NAMES[kind], id));
  }

  private async history(organization: string, streamId: string, notFound: string): Promise<HistoryEntry[]> {
    // The owner from the first event alone: reading another organization's whole stream first
    // made the 404's time tell how long that stream is.
    const [first] = await this.eventStore.readStream(streamId, { maxCount: 1 });
    if (first === undefined || ownerOf(first) !== organization) throw DomainError.notFound(notFound);
    return (await this.eventStore.readStream(streamId)).map(historyEntry);
  }
}

/** As the catalog's GET of one entry words its 404. */
const CATALOG_ENTRY_NAMES: Record<keyof typeof catalogStreams, string> = {
  venue: 'Venue',
  learner: 'Learner',
  assessmentForm: 'Assessment form',
  billingCode: 'Billing code',
};

/** The first event of a registration, an exam event or a catalog entry names its organization in its data. */
export function ownerOf(first: StoredEvent): unknown {
  return first.data.Organization ?? first.metadata.organization;
}
