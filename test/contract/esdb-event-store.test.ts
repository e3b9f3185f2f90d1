import { EsdbEventStore } from '../../libs/event-store/src/esdb-event-store.js';
import { eventStoreContract } from './event-store.contract.js';

// Needs a running EventStoreDB (e.g. EVENTSTORE_URL=esdb://localhost:2113?tls=false); skipped otherwise.
const eventStoreUrl = process.env.EVENTSTORE_URL;
const describeIfServer = eventStoreUrl ? describe : describe.skip;

describeIfServer('EsdbEventStore', () => {
  eventStoreContract('EsdbEventStore', async () => new EsdbEventStore(eventStoreUrl!));
});
