import { Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, prepareDataDir, unusedQueryThreads } from '../../../libs/application/src/config/app-config.js';
import { DamagedReadStoreError, ReadStoreAheadOfLogError } from '../../../libs/read-model/src/projection-runner.js';
import { DamagedEventStoreError } from '../../../libs/event-store/src/sqlite-event-store.js';
import { DataFolderInUseError, DataFolderLock, ReadStoreProjectedElsewhereError } from '../../../libs/sqlite-support/src/data-folder-lock.js';
import { createApp } from './app.factory.js';

let dataFolderLock: DataFolderLock | undefined;
let projectorLock: DataFolderLock | undefined;

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.eventStoreUrl === undefined || config.mongodbUrl === undefined) prepareDataDir(config.dataDir);
  // Held until the process ends (kept referenced: a collected connection would drop it).
  if (config.eventStoreUrl === undefined) dataFolderLock = DataFolderLock.acquire(config.dataDir);
  if (config.runProjector && config.mongodbUrl === undefined) projectorLock = DataFolderLock.acquireProjector(config.dataDir);
  const app = await createApp(config);
  try {
    await app.listen(config.port, '0.0.0.0');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new ConfigError('PORT', `is ${config.port}, which another process is listening on`);
  }
  const logger = new Logger('Booking');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => logger.log(`${signal}: finishing the requests in flight, then stopping the projector and closing the stores`));
  }
  logger.log(`Exam booking API listening on http://localhost:${config.port} (health: /health)`);
  logger.log(
    config.eventStoreUrl
      ? `Event store: EventStoreDB; read store: ${config.mongodbUrl ? 'MongoDB' : 'embedded SQLite'}`
      : `Embedded stores in ${config.dataDir}`,
  );
  const unused = unusedQueryThreads(config);
  if (unused !== undefined) logger.warn(unused);
  if (config.jwtSecretSource !== 'environment') {
    logger.log(
      `JWT secret ${config.jwtSecretSource === 'generated' ? 'generated' : 'read'} in ${config.dataDir}. ` +
        `Get a token with: ${config.dataDir === resolve('./data') ? '' : `BOOKING_DATA_DIR=${config.dataDir} `}npm run cli -- token --org <organization-uuid> ` +
        '--scope "booking:read booking:write catalog:write audit:read"',
    );
  }
}

main().catch((error: unknown) => {
  // A mistake in the setup is said in one line; anything else is a bug, with its stack.
  const forTheOperator =
    error instanceof ConfigError ||
    error instanceof DataFolderInUseError ||
    error instanceof ReadStoreProjectedElsewhereError ||
    error instanceof ReadStoreAheadOfLogError ||
    error instanceof DamagedReadStoreError ||
    error instanceof DamagedEventStoreError;
  console.error(forTheOperator ? error.message : error);
  process.exit(1);
});
