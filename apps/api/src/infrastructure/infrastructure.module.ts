import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { auditedEventStore } from '../../../../libs/application/src/audit/audited-event-store.js';
import type { AppConfig } from '../../../../libs/application/src/config/app-config.js';
import { CheckpointReadYourWrites } from '../../../../libs/application/src/checkpoint-read-your-writes.js';
import { EventSourcedStreams } from '../../../../libs/application/src/event-sourcing/event-sourced-streams.js';
import { ReadYourWrites } from '../../../../libs/application/src/read-your-writes.js';
import type { EventStore } from '../../../../libs/event-store/src/event-store.js';
import { createEventStore } from '../../../../libs/event-store/src/index.js';
import { CatalogQueries } from '../../../../libs/read-model/src/catalog/catalog.queries.js';
import { createReadStore } from '../../../../libs/read-model/src/index.js';
import { ProjectionRunner } from '../../../../libs/read-model/src/projection-runner.js';
import { allProjections } from '../../../../libs/read-model/src/projections.js';
import type { ReadStore } from '../../../../libs/read-model/src/read-store.js';
import { Metrics } from '../observability/metrics.js';
import { TimedEventStore } from '../observability/timed-event-store.js';
import { APP_CONFIG, EVENT_STORE, READ_STORE } from './tokens.js';

/** In-process read-your-writes: wait for this process's projection runner. */
class RunnerReadYourWrites extends ReadYourWrites {
  constructor(private readonly runner: ProjectionRunner) {
    super();
  }
  async waitFor(position: bigint | null): Promise<void> {
    if (position !== null) await this.runner.waitFor(position);
  }
}

/** Starts the projector with the app (unless the projector app runs it) and closes the stores last on shutdown. */
@Injectable()
class StoresLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.runProjector) await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
    await this.readStore.close();
    await this.eventStore.close();
  }
}

/** The stores, the projector and the command-side helpers, shared by every feature module. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: AppConfig): DynamicModule {
    const logger = new Logger('Projector');
    return {
      module: InfrastructureModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: EVENT_STORE,
          inject: [Metrics],
          useFactory: (metrics: Metrics) =>
            new TimedEventStore(auditedEventStore(createEventStore(config)), metrics.appendDuration),
        },
        { provide: READ_STORE, useFactory: () => createReadStore({ mongodbUrl: config.mongodbUrl, dataDir: config.dataDir }) },
        {
          provide: ProjectionRunner,
          inject: [EVENT_STORE, READ_STORE],
          useFactory: (eventStore: EventStore, readStore: ReadStore) =>
            new ProjectionRunner(eventStore, readStore, allProjections, {
              onError: (projection, error) => logger.error(`Projection ${projection} failed: ${String(error)}`),
            }),
        },
        {
          provide: ReadYourWrites,
          inject: [ProjectionRunner, READ_STORE],
          // Without the in-process projector, the projector app's stored checkpoints are the truth.
          useFactory: (runner: ProjectionRunner, readStore: ReadStore) =>
            config.runProjector ? new RunnerReadYourWrites(runner) : new CheckpointReadYourWrites(readStore, runner.projectionNames),
        },
        { provide: EventSourcedStreams, inject: [EVENT_STORE], useFactory: (eventStore: EventStore) => new EventSourcedStreams(eventStore) },
        { provide: CatalogQueries, inject: [READ_STORE], useFactory: (readStore: ReadStore) => new CatalogQueries(readStore) },
        StoresLifecycle,
      ],
      exports: [APP_CONFIG, EVENT_STORE, READ_STORE, ProjectionRunner, ReadYourWrites, EventSourcedStreams, CatalogQueries],
    };
  }
}
