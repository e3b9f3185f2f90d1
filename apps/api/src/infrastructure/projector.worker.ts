/**
 * The API's projector thread (see projector-thread.ts): runs the ProjectionRunner on its own
 * connections to the embedded stores and owns the read store's writer (schema, batches, WAL
 * checkpoints). Reports progress to the API's thread, which answers read-your-writes from it, and
 * follows `projections rebuild` to each new generation of the read store (read-store-generations.ts).
 */
import { existsSync, realpathSync, rmSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { auditedEventStore } from '../../../../libs/application/src/audit/audited-event-store.js';
import type { Unsubscribe } from '../../../../libs/event-store/src/event-store.js';
import { ForwardingEventStore } from '../../../../libs/event-store/src/forwarding-event-store.js';
import { SqliteEventStore } from '../../../../libs/event-store/src/sqlite-event-store.js';
import { ProjectionRunner } from '../../../../libs/read-model/src/projection-runner.js';
import { allProjections } from '../../../../libs/read-model/src/projections.js';
import { generationOf } from '../../../../libs/read-model/src/read-store-generations.js';
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
const { eventStoreFile, readStoreFile, generationFile, pollIntervalMs = 1000, catchUpStallMs } = workerData as ProjectorThreadData;
const post = (message: FromProjector) => port.postMessage(message);

// Only reads the log: SQLite's own checkpoints never run on a connection that does not write.
const log = new AppendsToldByMessage(new SqliteEventStore(eventStoreFile));
const eventStore = auditedEventStore(log);

/** A generation of the read store (read-store-generations.ts) with the runner that writes it. */
interface Generation {
  file: string;
  store: SqliteReadStore;
  runner: ProjectionRunner;
}

/** `file`: a generation, or the link (or a new folder's name, which the store then creates). */
function openGeneration(file: string): Generation {
  // Resolved first: both of the store's connections open the same generation.
  const store = new SqliteReadStore(existsSync(file) ? realpathSync(file) : file);
  const generation: Generation = {
    // The file itself, as the link's target is compared with it.
    file: realpathSync(file),
    store,
    runner: new ProjectionRunner(eventStore, store, allProjections, {
      pollIntervalMs,
      onError: (projection, error) => post({ type: 'error', projection, message: String(error) }),
      // Only the generation the API reads reports: another one's positions are not in that file.
      onCheckpoint: (position) => {
        if (generation === current) post({ type: 'checkpoint', position });
      },
    }),
  };
  return generation;
}

/** Each round the new generation reaches where the current one stood, which has moved on less. */
const CLOSING_IN_ROUNDS = 3;

let current = openGeneration(generationFile ?? readStoreFile);
let switching: Promise<void> | null = null;
let stopping = false;
let watch: NodeJS.Timeout | undefined;

port.on('message', (message: ToProjector) => {
  if (message === 'appended') log.appended();
  else void stop();
});
post({ type: 'opened', file: current.file });
await current.runner.start(catchUpStallMs);
post({ type: 'started', position: current.runner.lowestCheckpoint() });
// `projections rebuild` publishes a new generation by moving the link: looked for as often as
// other processes' appends.
watch = setInterval(followLink, pollIntervalMs);

function followLink(): void {
  if (switching || stopping) return;
  let file: string;
  try {
    file = realpathSync(readStoreFile);
  } catch {
    return; // Not there (moved by hand?): the current generation goes on.
  }
  if (file === current.file) return;
  switching = switchTo(file)
    .catch((error: unknown) => post({ type: 'error', projection: 'read store switch', message: `to ${file}: ${String(error)}; retrying` }))
    .finally(() => (switching = null));
}

/**
 * Catches the new generation up while the current one goes on serving; then stops the current
 * one's runner and lets the new one catch up with what that applied meanwhile, so that the first
 * position it reports is no lower than the last one reported. The API moves its reads over on
 * `switched` and removes the old file once this thread says it `released` it.
 */
async function switchTo(file: string): Promise<void> {
  const next = openGeneration(file);
  const previous = current;
  try {
    await next.runner.start(catchUpStallMs);
    // Both follow the log now: brought close to the current one first, the pause in between
    // (neither reporting) is then about one batch.
    for (let round = 0; round < CLOSING_IN_ROUNDS; round++) {
      const reached = previous.runner.lowestCheckpoint();
      if (reached !== null) await next.runner.waitFor(reached, catchUpStallMs ?? 60_000);
    }
    await previous.runner.stop();
    try {
      await next.runner.waitForCatchUp(catchUpStallMs);
    } catch (error) {
      await previous.runner.start(catchUpStallMs);
      throw error;
    }
  } catch (error) {
    await next.runner.stop();
    await next.store.close();
    throw error;
  }
  current = next;
  post({ type: 'switched', file, position: next.runner.lowestCheckpoint() });
  // Unlinked before its last connections close (theirs keep the file): SQLite then skips the
  // checkpoint a last close runs, which would copy the old WAL into a file about to be removed.
  if (generationOf(previous.file) !== null) rmSync(previous.file, { force: true });
  await previous.store.close();
  post({ type: 'released', file: previous.file });
}

async function stop(): Promise<void> {
  stopping = true;
  clearInterval(watch);
  await switching;
  await current.runner.stop();
  await current.store.close();
  await eventStore.close();
  // Ends this thread only, whatever timers (e.g. a catch-up still waiting) are left.
  process.exit(0);
}
