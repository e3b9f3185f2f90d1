import { EsdbEventStore } from './esdb-event-store.js';

/**
 * What the EventStoreDB adapter does without a server (the contract suite, which needs one, runs
 * when EVENTSTORE_URL is set): nothing here stands in for EventStoreDB, the client meets a closed port.
 */
describe('EsdbEventStore without a reachable server', () => {
  const unhandled: unknown[] = [];
  const remember = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', remember);
  });
  afterEach(() => {
    process.off('unhandledRejection', remember);
  });

  it('refuses an event that is not JSON before it reaches the client, which would never settle the append', async () => {
    const store = new EsdbEventStore('esdb://127.0.0.1:1?tls=false');
    try {
      await expect(store.append('s-1', [{ type: 'E', data: { bad: 1n }, metadata: {} as never }], 'no_stream')).rejects.toThrow(
        'Event E for s-1 cannot be stored as JSON',
      );
    } finally {
      await store.close();
    }
  });

  it('closes a live subscription whose discovery failed without an unhandled rejection (it would stop the process)', async () => {
    const store = new EsdbEventStore('esdb+discover://127.0.0.1:1?tls=false&maxDiscoverAttempts=1&discoveryInterval=10&gossipTimeout=100');
    store.onAppended(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await store.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(unhandled.map(String)).toEqual([]);
  });
});
