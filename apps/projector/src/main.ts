import { auditedEventStore } from '../../../libs/application/src/audit/audited-event-store.js';
import { ConfigError, loadConfig, prepareDataDir } from '../../../libs/application/src/config/app-config.js';
import { DamagedEventStoreError } from '../../../libs/event-store/src/sqlite-event-store.js';
import { createEventStore } from '../../../libs/event-store/src/index.js';
import { ProjectionRunner } from '../../../libs/read-model/src/projection-runner.js';
import { allProjections } from '../../../libs/read-model/src/projections.js';
import { createReadStore } from '../../../libs/read-model/src/index.js';
import { createRootLogger } from '../../../libs/application/src/observability/root-logger.js';
import { DataFolderLock, ReadStoreProjectedElsewhereError } from '../../../libs/sqlite-support/src/data-folder-lock.js';

let projectorLock: DataFolderLock | undefined;

/**
 * The projector on its own: in production (EventStoreDB + MongoDB) one active instance keeps the
 * read models up to date while any number of API replicas serve commands and queries.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.mongodbUrl === undefined) {
    // The embedded read store takes one projector (held until the process ends, kept referenced).
    prepareDataDir(config.dataDir);
    projectorLock = DataFolderLock.acquireProjector(config.dataDir);
  }
  // JSON lines as the API writes them, `service` telling the two apart (docs/operations.md, "Logs").
  const logger = createRootLogger(config.logLevel, undefined, 'booking-projector');
  const eventStore = auditedEventStore(await createEventStore(config));
  const readStore = await createReadStore({ mongodbUrl: config.mongodbUrl, dataDir: config.dataDir });
  const runner = new ProjectionRunner(eventStore, readStore, allProjections, {
    onError: (projection, error) => logger.error({ err: error }, `Projection ${projection} failed`),
  });
  await runner.start();
  const reached = runner.lowestCheckpoint();
  logger.info(`Caught up ${reached === null ? 'with an empty event log' : `at position ${reached}`}; following the event log`);
  // The runner's poll timer is unref'd (it must not hold the API open), and the embedded event store
  // holds no open handle: without this the process would exit as soon as it caught up.
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);

  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info(`${signal}: finishing the current batch`);
    clearInterval(keepAlive);
    await runner.stop();
    await readStore.close();
    await eventStore.close();
    logger.info(`${signal}: stopped; the stores are closed`);
    // Exits by the signal, as the API does (143 for SIGTERM, 130 for SIGINT): a clean stop.
    process.kill(process.pid, signal);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const forTheOperator = error instanceof ConfigError || error instanceof DamagedEventStoreError || error instanceof ReadStoreProjectedElsewhereError;
  console.error(forTheOperator ? error.message : error);
  process.exit(1);
});
