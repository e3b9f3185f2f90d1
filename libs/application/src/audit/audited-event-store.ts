import type { EventStore } from '../../../event-store/src/event-store.js';
import { HashChainedEventStore } from '../../../event-store/src/hash-chain.js';
import { UpcasterRegistry, UpcastingEventStore } from '../../../event-store/src/upcasting-event-store.js';
import { eventUpcasters } from './event-upcasters.js';

export const eventSchemas = new UpcasterRegistry(eventUpcasters);

/**
 * The event store every process (API, projector, CLI) uses: upcast on read, stamp the schema
 * version, then chain the hash over exactly what is stored. `audit verify` reads `raw` instead.
 */
export function auditedEventStore(raw: EventStore): EventStore {
  return new UpcastingEventStore(new HashChainedEventStore(raw), eventSchemas);
}
