import { Logger } from '@nestjs/common';
import { auditedEventStore } from '../../../libs/application/src/audit/audited-event-store.js';
import { ConfigError, loadConfig } from '../../../libs/application/src/config/app-config.js';
import { DamagedEventStoreError } from '../../../libs/event-store/src/sqlite-event-store.js';
import { createEventStore } from '../../../libs/event-store/src/index.js';
import { ProjectionRunner } from '../../../libs/read-model/src/projection-runner.js';
import { allProjections } from '../../../libs/read-model/src/projections.js';
import { createReadStore } from '../../../libs/read-model/src/index.js';

/**
 * The projector on its own: in production (EventStoreDB + MongoDB) one active instance keeps the
 * read models up to date while any number of API replicas serve commands and queries.
 */
async function main(): Promise<void> {
  const logger = new Logger('Projector');
  const config = loadConfig();
  const eventStore = auditedEventStore(await createEventStore(config));
  const readStore = await createReadStore({ mongodbUrl: config.mongodbUrl, dataDir: config.dataDir });
  const runner = new ProjectionRunner(eventStore, readStore, allProjections, {
    onError: (projection, error) => logger.error(`Projection ${projection} failed: ${String(error)}`),
  });
  await runner.start();
  logger.log(`Caught up at position ${String(runner.lowestCheckpoint())}; following the event log`);
  // The runner's poll timer is unref'd (it must not hold the API open), and the embedded event store
  // holds no open handle: without this the process would exit as soon as it caught up.
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);

  const shutdown = async (signal: string) => {
    logger.log(`${signal}: finishing the current batch`);
    clearInterval(keepAlive);
    await runner.stop();
    await readStore.close();
    await eventStore.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof DamagedEventStoreError ? error.message : error);
  process.exit(1);
});
