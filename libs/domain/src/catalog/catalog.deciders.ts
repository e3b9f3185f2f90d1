import { definitionDecider } from './definition.decider.js';
import type {
  AssessmentFormDefinition,
  BillingCodeDefinition,
  LearnerDefinition,
  VenueDefinition,
} from './catalog.events.js';

export const venueDecider = definitionDecider<'VenueDefined', VenueDefinition>('VenueDefined');
export const learnerDecider = definitionDecider<'LearnerDefined', LearnerDefinition>('LearnerDefined');
export const assessmentFormDecider = definitionDecider<'AssessmentFormDefined', AssessmentFormDefinition>(
  'AssessmentFormDefined',
);
export const billingCodeDecider = definitionDecider<'BillingCodeDefined', BillingCodeDefinition>('BillingCodeDefined');
