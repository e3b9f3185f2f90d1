import { Global, Module } from '@nestjs/common';
import { EventSourcedStreams } from '../../../../libs/application/src/event-sourcing/event-sourced-streams.js';
import { EventSourcedExamEventScheduler } from '../../../../libs/application/src/exam-events/event-sourced-exam-event-scheduler.js';
import { ExamEventScheduler } from '../../../../libs/application/src/exam-events/exam-event-scheduler.js';
import { CancelExamEventHandler, ScheduleExamEventHandler } from '../../../../libs/application/src/exam-events/exam-event.handlers.js';
import type { EventStore } from '../../../../libs/event-store/src/event-store.js';
import { CatalogQueries } from '../../../../libs/read-model/src/catalog/catalog.queries.js';
import { ExamEventQueries } from '../../../../libs/read-model/src/exam-events/exam-events.queries.js';
import type { QueryStore } from '../../../../libs/read-model/src/read-store.js';
import { EVENT_STORE, READ_STORE } from '../infrastructure/tokens.js';
import { ExamEventsController } from './exam-events.controller.js';

/** Global so that the registrations slice can inject the one `ExamEventScheduler`. */
@Global()
@Module({
  controllers: [ExamEventsController],
  providers: [
    {
      provide: EventSourcedExamEventScheduler,
      inject: [EVENT_STORE, EventSourcedStreams, CatalogQueries],
      useFactory: (eventStore: EventStore, streams: EventSourcedStreams, catalog: CatalogQueries) =>
        new EventSourcedExamEventScheduler(eventStore, streams, catalog),
    },
    { provide: ExamEventScheduler, useExisting: EventSourcedExamEventScheduler },
    { provide: ExamEventQueries, inject: [READ_STORE], useFactory: (readStore: QueryStore) => new ExamEventQueries(readStore) },
    ScheduleExamEventHandler,
    CancelExamEventHandler,
  ],
  exports: [ExamEventScheduler, ExamEventQueries],
})
export class ExamEventsModule {}
