import { Module } from '@nestjs/common';
import { RegisterLaxHandler } from '../../../../libs/application/src/registrations/register-lax.handler.js';
import {
  CancelRegistrationHandler,
  ChangeAssessmentHandler,
  DeleteRegistrationHandler,
  GrantAccommodationHandler,
  RevokeAccommodationHandler,
} from '../../../../libs/application/src/registrations/registration-changes.handlers.js';
import { ExamEventScheduler } from '../../../../libs/application/src/exam-events/exam-event-scheduler.js';
import { LeftEventsReactor } from '../../../../libs/application/src/registrations/left-events.reactor.js';
import { RegistrationSupport } from '../../../../libs/application/src/registrations/registration-support.js';
import { TransferLaxHandler } from '../../../../libs/application/src/registrations/transfer-lax.handler.js';
import type { EventStore } from '../../../../libs/event-store/src/event-store.js';
import type { QueryStore } from '../../../../libs/read-model/src/read-store.js';
import { RegistrationQueries } from '../../../../libs/read-model/src/registrations/registrations.queries.js';
import { EVENT_STORE, READ_STORE } from '../infrastructure/tokens.js';
import { Metrics } from '../observability/metrics.js';
import { RegistrationCommandsController } from './registration-commands.controller.js';
import { RegistrationQueriesController } from './registration-queries.controller.js';
import { RegistrationRetrieveController } from './registration-retrieve.controller.js';

/**
 * Registration commands (spec §4) and retrieve (§5), and the reactor that completes a left
 * Individual event's cancellation. The ExamEventScheduler they use to find or create exam events is
 * provided by the exam events module.
 */
@Module({
  controllers: [RegistrationCommandsController, RegistrationRetrieveController, RegistrationQueriesController],
  providers: [
    { provide: RegistrationQueries, inject: [READ_STORE], useFactory: (readStore: QueryStore) => new RegistrationQueries(readStore) },
    RegistrationSupport,
    RegisterLaxHandler,
    TransferLaxHandler,
    CancelRegistrationHandler,
    ChangeAssessmentHandler,
    GrantAccommodationHandler,
    RevokeAccommodationHandler,
    DeleteRegistrationHandler,
    {
      provide: LeftEventsReactor,
      inject: [EVENT_STORE, ExamEventScheduler, Metrics],
      useFactory: (eventStore: EventStore, scheduler: ExamEventScheduler, metrics: Metrics) =>
        new LeftEventsReactor(eventStore, scheduler, (outcome) => metrics.leftEventsReactor.inc({ outcome })),
    },
  ],
  exports: [RegistrationQueries],
})
export class RegistrationsModule {}
