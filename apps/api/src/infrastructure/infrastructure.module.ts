import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit, type Provider } from '@nestjs/common';
import { auditedEventStore } from '../../../../libs/application/src/audit/audited-event-store.js';
import { type AppConfig, projectsInWorkerThread } from '../../../../libs/application/src/config/app-config.js';
import { CommandCatalog } from '../../../../libs/application/src/catalog/command-catalog.js';
import { CheckpointReadYourWrites } from '../../../../libs/application/src/checkpoint-read-your-writes.js';
import { EventSourcedStreams } from '../../../../libs/application/src/event-sourcing/event-sourced-streams.js';
import { ReadYourWrites } from '../../../../libs/application/src/read-your-writes.js';
import type { EventStore } from '../../../../libs/event-store/src/event-store.js';
import { createEventStore, embeddedEventStoreFile } from '../../../../libs/event-store/src/index.js';
import { StreamWatchingEventStore } from '../../../../libs/event-store/src/stream-watching-event-store.js';
import { ASSESSMENT_FORM_STREAM_PREFIX } from '../../../../libs/domain/src/catalog/catalog.events.js';
import { CatalogQueries } from '../../../../libs/read-model/src/catalog/catalog.queries.js';
import { createReadStore, embeddedReadStoreFile, openEmbeddedQueryStore } from '../../../../libs/read-model/src/index.js';
import { ProjectionRunner } from '../../../../libs/read-model/src/projection-runner.js';
import type { Projector } from '../../../../libs/read-model/src/projector.js';
import { allProjections } from '../../../../libs/read-model/src/projections.js';
import type { QueryStore, ReadStore } from '../../../../libs/read-model/src/read-store.js';
import { onEventLoop } from '../../../../libs/read-model/src/threaded-query-store.js';
import { Metrics } from '../observability/metrics.js';
import { TimedEventStore } from '../observability/timed-event-store.js';
import { AppendedHeadGate } from './appended-head-gate.js';
import { ProjectorThread } from './projector-thread.js';
import { removeAbandonedGenerations, removeOldGenerations } from '../../../../libs/read-model/src/read-store-generations.js';
import { APP_CONFIG, EVENT_STORE, PROJECTOR, READ_STORE } from './tokens.js';

/** In-process read-your-writes: wait for this process's projector (runner or thread). */
class ProjectorReadYourWrites extends ReadYourWrites {
  constructor(private readonly projector: Projector) {
    super();
  }
  async waitFor(position: bigint | null): Promise<void> {
    if (position !== null) await this.projector.waitFor(position);
  }
}

/**
 * The embedded stores: a command answers once its events are stored, since every read of the read
 * models waits for this process's appends first (AppendedHeadGate). A position named here (one of
 * this process's, or one appended elsewhere that the command found) is added to what they wait
 * for; the command itself waits only while the projector is far behind it (backpressure).
 */
class ReadsWaitInstead extends ReadYourWrites {
  constructor(private readonly gate: AppendedHeadGate) {
    super();
  }
  async waitFor(position: bigint | null, organization: string): Promise<void> {
    if (position === null) return;
    this.gate.include(position, organization);
    await this.gate.keepUpWith(position);
  }
}

/** Starts the projector with the app (unless the projector app runs it) and closes the stores last on shutdown. */
@Injectable()
class StoresLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROJECTOR) private readonly projector: Projector,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: QueryStore,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.runProjector) await this.projector.start();
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.projector.stop();
    await this.readStore.close();
    await this.eventStore.close();
    // The last line of a clean stop: without it, an operator cannot tell one from a kill.
    if (signal !== undefined) new Logger('Booking').log(`${signal}: stopped; the projector and the stores are closed`);
  }
}

/**
 * On the embedded stores the projector runs in a worker thread, which owns the read store's
 * writer; this thread opens it read-only once the worker has created it.
 */
function projectorThreadProviders(config: AppConfig, logger: Logger): Provider[] {
  return [
    {
      provide: PROJECTOR,
      inject: [EVENT_STORE],
      useFactory: (eventStore: EventStore) => {
        // Generations a rebuild switched from while no API ran, and those a killed rebuild left.
        for (const file of removeOldGenerations(config.dataDir)) logger.log(`Removed the old read store ${file}`);
        for (const file of removeAbandonedGenerations(config.dataDir)) logger.log(`Removed ${file} and the files beside it, left by a projections rebuild that did not finish`);
        return ProjectorThread.open(eventStore, {
          eventStoreFile: embeddedEventStoreFile(config.dataDir),
          readStoreFile: embeddedReadStoreFile(config.dataDir),
          onError: (message) => logger.error(message),
          onRemoved: (file) => logger.log(`Switched to a rebuilt read store; removed the old one, ${file}`),
        });
      },
    },
    {
      provide: AppendedHeadGate,
      inject: [EVENT_STORE, PROJECTOR],
      useFactory: (eventStore: StreamWatchingEventStore, projector: ProjectorThread) => new AppendedHeadGate(eventStore, projector),
    },
    // Opened after the projector, which creates the file.
    {
      provide: READ_STORE,
      inject: [PROJECTOR, AppendedHeadGate],
      useFactory: (projector: ProjectorThread, gate: AppendedHeadGate) => {
        // The generation the projector opened (the link may have moved since).
        const store = openEmbeddedQueryStore(projector.file, config.queryThreads, gate);
        projector.followSwitches((file) => store.switchTo(file));
        return store;
      },
    },
    { provide: ReadYourWrites, inject: [AppendedHeadGate], useFactory: (gate: AppendedHeadGate) => new ReadsWaitInstead(gate) },
  ];
}

/** MongoDB or EventStoreDB: the runner in this thread, or (replicas) the projector app's checkpoints. */
function projectionRunnerProviders(config: AppConfig, logger: Logger): Provider[] {
  return [
    { provide: READ_STORE, useFactory: () => createReadStore({ mongodbUrl: config.mongodbUrl, dataDir: config.dataDir }) },
    {
      provide: PROJECTOR,
      inject: [EVENT_STORE, READ_STORE],
      useFactory: (eventStore: EventStore, readStore: ReadStore) =>
        new ProjectionRunner(eventStore, readStore, allProjections, {
          onError: (projection, error) => logger.error(`Projection ${projection} failed: ${String(error)}`),
        }),
    },
    {
      provide: ReadYourWrites,
      inject: [PROJECTOR, READ_STORE],
      // Without the in-process projector, the projector app's stored checkpoints are the truth.
      useFactory: (projector: Projector, readStore: ReadStore) =>
        config.runProjector ? new ProjectorReadYourWrites(projector) : new CheckpointReadYourWrites(readStore, projector.projectionNames),
    },
  ];
}

/** The stores, the projector and the command-side helpers, shared by every feature module. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: AppConfig): DynamicModule {
    const logger = new Logger('Projector');
    const projectorThread = projectsInWorkerThread(config);
    return {
      module: InfrastructureModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: EVENT_STORE,
          inject: [Metrics],
          useFactory: async (metrics: Metrics) =>
            new StreamWatchingEventStore(new TimedEventStore(auditedEventStore(await createEventStore(config)), metrics.appendDuration)),
        },
        ...(projectorThread ? projectorThreadProviders(config, logger) : projectionRunnerProviders(config, logger)),
        { provide: EventSourcedStreams, inject: [EVENT_STORE], useFactory: (eventStore: EventStore) => new EventSourcedStreams(eventStore) },
        { provide: CatalogQueries, inject: [READ_STORE], useFactory: (readStore: QueryStore) => new CatalogQueries(readStore) },
        {
          provide: CommandCatalog,
          inject: [READ_STORE, ReadYourWrites, EVENT_STORE],
          // Forms are remembered only where every form change is this process's append (see CommandCatalog).
          useFactory: (readStore: QueryStore, readYourWrites: ReadYourWrites, eventStore: StreamWatchingEventStore) =>
            new CommandCatalog(
              new CatalogQueries(onEventLoop(readStore)),
              readYourWrites,
              projectorThread
                ? { watch: (onAppended) => eventStore.watch(ASSESSMENT_FORM_STREAM_PREFIX, onAppended) }
                : null,
            ),
        },
        StoresLifecycle,
      ],
      exports: [APP_CONFIG, EVENT_STORE, READ_STORE, PROJECTOR, ReadYourWrites, EventSourcedStreams, CatalogQueries, CommandCatalog],
    };
  }
}
