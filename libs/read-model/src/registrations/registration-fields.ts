/** The API fields of a registration (spec §5), shared by the projection's views and the queries. */

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
