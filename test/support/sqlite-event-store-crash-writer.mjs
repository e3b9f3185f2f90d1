// Child process of test/contract/sqlite-event-store-crash.test.ts: appends batches to a few streams
// (to all of them at once) forever and prints one JSON line per acknowledged append, until the test SIGKILLs it.
// Usage: node sqlite-event-store-crash-writer.mjs <file> <writer id>
import { SqliteEventStore } from '../../dist/libs/event-store/src/sqlite-event-store.js';

const [file, writerId] = process.argv.slice(2);
const streams = ['crash-a', 'crash-b', 'crash-c'];
const store = new SqliteEventStore(file);

// Continue where the previous (killed) writer left off, with exact expected revisions.
const expected = new Map();
for (const streamId of streams) {
  const events = await store.readStream(streamId);
  expected.set(streamId, events.length === 0 ? 'no_stream' : events[events.length - 1].revision);
}

/** One batch appended to a stream; its acknowledgement printed as soon as it resolves. */
async function appendBatch(streamId, n) {
  const batch = `${writerId}-${n}`;
  const size = 2 + (n % 4);
  const events = Array.from({ length: size }, (_, index) => ({
    type: 'CrashTested',
    data: { batch, index, size, payload: 'x'.repeat(50 * (index + 1)) },
    metadata: {
      organization: 'crash-org',
      actor: `writer-${writerId}`,
      occurredAt: new Date().toISOString(),
      correlationId: batch,
      causationId: null,
      schemaVersion: 1,
    },
  }));
  const result = await store.append(streamId, events, expected.get(streamId));
  expected.set(streamId, result.nextExpectedRevision);
  const ack = {
    streamId,
    revision: result.nextExpectedRevision.toString(),
    position: result.position.toString(),
    events,
  };
  process.stdout.write(`${JSON.stringify(ack)}\n`);
}

// Every stream at once, so that the appends are committed as groups (and a kill can land in one).
for (let n = 0; ; n += streams.length) {
  await Promise.all(streams.map((streamId, i) => appendBatch(streamId, n + i)));
  // Yield like a server would, so stdout drains and the kill can land anywhere.
  await new Promise((resolve) => setImmediate(resolve));
}
