/**
 * The API's projector thread (see projector-thread.ts): runs the ProjectionRunner on its own
 * connections to the embedded stores and owns the read store's writer (schema, batches, WAL
 * checkpoints). Reports progress to the API's thread, which answers read-your-writes from it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { auditedEventStore } from '../../../../libs/application/src/audit/audited-event-store.js';
import type { Unsubscribe } from '../../../../libs/event-store/src/event-store.js';
import { ForwardingEventStore } from '../../../../libs/event-store/src/forwarding-event-store.js';
import { SqliteEventStore } from '../../../../libs/event-store/src/sqlite-event-store.js';
import { ProjectionRunner } from '../../../../libs/read-model/src/projection-runner.js';
import { allProjections } from '../../../../libs/read-model/src/projections.js';
import { SqliteReadStore } from '../../../../libs/read-model/src/sqlite-read-store.js';
import type { FromProjector, ProjectorThreadData, ToProjector } from './projector-thread.js';

/** The appends are the API thread's: it tells this thread about them, the store cannot. */
class AppendsToldByMessage extends ForwardingEventStore {
  private readonly listeners = new Set<() => void>();

  override onAppended(listener: () => void): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  appended(): void {
    for (const listener of this.listeners) listener();
  }
}

const port = parentPort!;
const { eventStoreFile, readStoreFile, pollIntervalMs, catchUpStallMs } = workerData as ProjectorThreadData;
const post = (message: FromProjector) => port.postMessage(message);

// Only reads the log: SQLite's own checkpoints never run on a connection that does not write.
const log = new AppendsToldByMessage(new SqliteEventStore(eventStoreFile));
const eventStore = auditedEventStore(log);
const readStore = new SqliteReadStore(readStoreFile);
const runner = new ProjectionRunner(eventStore, readStore, allProjections, {
  pollIntervalMs,
  onError: (projection, error) => post({ type: 'error', projection, message: String(error) }),
  onCheckpoint: (position) => post({ type: 'checkpoint', position }),
});

port.on('message', (message: ToProjector) => {
  if (message === 'appended') log.appended();
  else void stop();
});
post({ type: 'opened' });
await runner.start(catchUpStallMs);
post({ type: 'started', position: runner.lowestCheckpoint() });

async function stop(): Promise<void> {
  await runner.stop();
  await readStore.close();
  await eventStore.close();
  // Ends this thread only, whatever timers (e.g. a catch-up still waiting) are left.
  process.exit(0);
}
