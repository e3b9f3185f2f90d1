import { Module } from '@nestjs/common';
import { DefineCatalogEntryHandler } from '../../../../libs/application/src/catalog/define-catalog-entry.handler.js';
import { AssessmentFormsController, BillingCodesController, LearnersController, VenuesController } from './catalog.controllers.js';

@Module({
  controllers: [VenuesController, LearnersController, AssessmentFormsController, BillingCodesController],
  providers: [DefineCatalogEntryHandler],
})
export class CatalogModule {}
