import type { DomainEvent } from '../shared/decider.js';

export type RegistrationStatus = 'Registered' | 'Cancelled';
/** Only `Eligible` is ever set through this API; the fields exist because the platform reports them. */
export type EligibilityStatus = 'Eligible';
export type ApprovalStatus = 'Eligible';

export type Accommodation = { Type: string; Name: string | null; TimeExtension: number | null };

/** Every event names its registration, so an auditor can read each one on its own. */
type About = { RegistrationId: string };

export type RegistrationRequestedData = About & {
  Organization: string;
  EventId: string;
  LearnerId: string;
  /** Printed on the learner's scrap paper. */
  Passcode: string;
  Status: 'Registered';
};
export type ExamFormAssignedData = About & { FormId: string; FormCode: string; FormTimeLimit: number | null };
export type EligibilityChangedData = About & { EligibilityStatus: EligibilityStatus };
export type ApprovalChangedData = About & { ApprovalStatus: ApprovalStatus };
export type RegistrantTypeChangedData = About & { RegistrantType: string };
export type AccommodationGrantedData = About & Accommodation;
export type AccommodationRevokedData = About & { Type: string };
/** Null: the form has no time limit, so neither has the exam. */
export type ExamTimeLimitedData = About & { ExamTimeLimit: number | null };
export type RegistrationTransferredData = About & { FromEventId: string; ToEventId: string; Reason: string | null };
export type RegistrationCancelledData = About & { EventId: string; Reason: string | null };
export type RegistrationDeletedData = About & { EventId: string };

export type RegistrationRequested = DomainEvent<'RegistrationRequested', RegistrationRequestedData>;
export type ExamFormAssigned = DomainEvent<'ExamFormAssigned', ExamFormAssignedData>;
export type EligibilityChanged = DomainEvent<'EligibilityChanged', EligibilityChangedData>;
export type ApprovalChanged = DomainEvent<'ApprovalChanged', ApprovalChangedData>;
export type RegistrantTypeChanged = DomainEvent<'RegistrantTypeChanged', RegistrantTypeChangedData>;
export type AccommodationGranted = DomainEvent<'AccommodationGranted', AccommodationGrantedData>;
export type AccommodationRevoked = DomainEvent<'AccommodationRevoked', AccommodationRevokedData>;
export type ExamTimeLimited = DomainEvent<'ExamTimeLimited', ExamTimeLimitedData>;
export type RegistrationTransferred = DomainEvent<'RegistrationTransferred', RegistrationTransferredData>;
export type RegistrationCancelled = DomainEvent<'RegistrationCancelled', RegistrationCancelledData>;
export type RegistrationDeleted = DomainEvent<'RegistrationDeleted', RegistrationDeletedData>;

export type RegistrationEvent =
  | RegistrationRequested
  | ExamFormAssigned
  | EligibilityChanged
  | ApprovalChanged
  | RegistrantTypeChanged
  | AccommodationGranted
  | AccommodationRevoked
  | ExamTimeLimited
  | RegistrationTransferred
  | RegistrationCancelled
  | RegistrationDeleted;
