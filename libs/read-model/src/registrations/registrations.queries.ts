import type { Doc, ReadView } from '../read-store.js';
import { RegistrationCollections } from './registrations.projection.js';

/** The fields of a search/count row (spec §5), in the spec's order. */
export const REGISTRATION_ROW_FIELDS = [
  'RegistrationIdentifier',
  'RegistrationStatus',
  'AttendanceStatus',
  'EventIdentifier',
  'EventNumber',
  'EventFormat',
  'EventScheduledStart',
  'EventVenue',
  'AssessmentFormIdentifier',
  'AssessmentFormCode',
  'AssessmentFormName',
  'AssessmentFormTitle',
  'LearnerIdentifier',
  'LearnerCode',
  'LearnerName',
  'LearnerEmail',
  'LastChangeTime',
  'LastChangeType',
] as const;

/** The fields of GET /api/registrations/{id}: the row fields and these. */
export const REGISTRATION_DETAIL_FIELDS = [
  ...REGISTRATION_ROW_FIELDS,
  'EventStart',
  'EventTitle',
  'EventExamType',
  'EligibilityStatus',
  'ApprovalStatus',
  'RegistrantType',
  'ExamTimeLimit',
  'Accommodations',
] as const;

/** Picks the API fields of a document (internal ones such as the passcode stay out); missing → null. */
export function pickFields(doc: Doc, fields: readonly string[]): Record<string, unknown> {
  // A plain loop: this runs for every row answered, and entries arrays cost twice as much.
  const picked: Record<string, unknown> = {};
  for (const field of fields) picked[field] = doc[field] ?? null;
  return picked;
}

export class RegistrationQueries {
  constructor(private readonly view: ReadView) {}

  /** The registration as retrieve shows it, or null when missing, deleted or another organization's. */
  async retrieve(organization: string, registrationId: string): Promise<Record<string, unknown> | null> {
    const doc = await this.view.get(RegistrationCollections.registrations.name, registrationId);
    if (doc === null || doc.Organization !== organization) return null;
    return pickFields(doc, REGISTRATION_DETAIL_FIELDS);
  }
}
