import type {
  AssessmentFormDefinition,
  BillingCodeDefinition,
  LearnerDefinition,
  VenueDefinition,
} from '../../../domain/src/catalog/catalog.events.js';
import type { CommandContext } from '../event-sourcing/command-context.js';

export type CatalogDefinition =
  | { kind: 'venue'; definition: VenueDefinition }
  | { kind: 'learner'; definition: LearnerDefinition }
  | { kind: 'assessmentForm'; definition: AssessmentFormDefinition }
  | { kind: 'billingCode'; definition: BillingCodeDefinition };

/** PUT of a catalog entry: creates or replaces it. */
export class DefineCatalogEntryCommand {
  constructor(
    readonly entry: CatalogDefinition,
    readonly context: CommandContext,
  ) {}
}

export interface DefineCatalogEntryResult {
  created: boolean;
}
