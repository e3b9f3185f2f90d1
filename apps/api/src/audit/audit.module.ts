import { Global, Module } from '@nestjs/common';
import { AuditHistory } from '../../../../libs/application/src/audit/audit-history.js';
import { RegistrationAsOf } from '../../../../libs/application/src/audit/registration-as-of.js';
import type { EventStore } from '../../../../libs/event-store/src/event-store.js';
import { EVENT_STORE } from '../infrastructure/tokens.js';
import { AuditHistoryController } from './audit.controller.js';

/**
 * Auditing over HTTP: history endpoints, and the `asOf` time travel that retrieve delegates to.
 * Global so that the registrations slice can inject RegistrationAsOf without importing this module.
 */
@Global()
@Module({
  controllers: [AuditHistoryController],
  providers: [
    { provide: AuditHistory, inject: [EVENT_STORE], useFactory: (eventStore: EventStore) => new AuditHistory(eventStore) },
    { provide: RegistrationAsOf, inject: [EVENT_STORE], useFactory: (eventStore: EventStore) => new RegistrationAsOf(eventStore) },
  ],
  exports: [RegistrationAsOf],
})
export class AuditModule {}
