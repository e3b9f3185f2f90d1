import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { AppConfig } from '../../../libs/application/src/config/app-config.js';
import { AuditModule } from './audit/audit.module.js';
import { CatalogModule } from './catalog/catalog.module.js';
import { ExamEventsModule } from './exam-events/exam-events.module.js';
import { HealthController } from './health/health.controller.js';
import { ProblemDetailsFilter } from './http/problem-details.filter.js';
import { InfrastructureModule } from './infrastructure/infrastructure.module.js';
import { RegistrationsModule } from './registrations/registrations.module.js';

/** Feature modules of the API; each owns its controllers and command/query handlers. */
const FEATURES = [CatalogModule, ExamEventsModule, RegistrationsModule, AuditModule];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), InfrastructureModule.forRoot(config), ...FEATURES],
      controllers: [HealthController],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
