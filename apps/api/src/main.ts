import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig, unusedQueryThreads } from '../../../libs/application/src/config/app-config.js';
import { createApp } from './app.factory.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, '0.0.0.0');
  const logger = new Logger('Booking');
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
        'Get a token with: npm run cli -- token --org <organization-uuid> ' +
        '--scope "booking:read booking:write catalog:write audit:read"',
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
