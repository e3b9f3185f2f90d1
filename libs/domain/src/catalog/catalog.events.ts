import type { DomainEvent } from '../shared/decider.js';

/** Reference data is per organization: the same id defined by two organizations names two entries. */
export interface VenueDefinition {
  Organization: string;
  VenueId: string;
  Name: string;
  TimeZone: string;
  Address: Address | null;
}

export interface Address {
  Street: string | null;
  City: string | null;
  Province: string | null;
  PostalCode: string | null;
  Country: string | null;
}

export interface LearnerDefinition {
  Organization: string;
  LearnerId: string;
  Name: string;
  Email: string | null;
  Code: string | null;
}

export const FORM_STATUSES = ['Draft', 'Published', 'Archived'] as const;
export type FormStatus = (typeof FORM_STATUSES)[number];

export interface AssessmentFormDefinition {
  Organization: string;
  FormId: string;
  Code: string;
  Name: string | null;
  Title: string | null;
  Status: FormStatus | null;
  Asset: number | null;
  /** Minutes; null when the form has no time limit. */
  TimeLimit: number | null;
}

export interface BillingCodeDefinition {
  Organization: string;
  Code: string;
  /** Minutes; null means "derive from the code's (Nh) suffix". */
  Duration: number | null;
}

export type VenueDefined = DomainEvent<'VenueDefined', VenueDefinition>;
export type LearnerDefined = DomainEvent<'LearnerDefined', LearnerDefinition>;
export type AssessmentFormDefined = DomainEvent<'AssessmentFormDefined', AssessmentFormDefinition>;
export type BillingCodeDefined = DomainEvent<'BillingCodeDefined', BillingCodeDefinition>;

/** Every assessment form's stream starts with this (what a watcher of form changes looks for). */
export const ASSESSMENT_FORM_STREAM_PREFIX = 'assessmentForm-';

export const catalogStreams = {
  venue: (organization: string, venueId: string) => `venue-${organization}-${venueId}`,
  learner: (organization: string, learnerId: string) => `learner-${organization}-${learnerId}`,
  assessmentForm: (organization: string, formId: string) => `${ASSESSMENT_FORM_STREAM_PREFIX}${organization}-${formId}`,
  billingCode: (organization: string, code: string) => `billingCode-${organization}-${code}`,
};
