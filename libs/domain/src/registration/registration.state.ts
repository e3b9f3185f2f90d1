import { unknownEventType } from '../shared/decider.js';
import type { RegistrationForm } from './registration.commands.js';
import type {
  Accommodation,
  ApprovalStatus,
  EligibilityStatus,
  RegistrationEvent,
  RegistrationStatus,
} from './registration.events.js';

export const registrationStreamId = (registrationId: string) => `registration-${registrationId}`;

export type Registration = {
  registrationId: string;
  organization: string;
  /** Deleted registrations keep their history (and their id stays taken) but act as missing. */
  deleted: boolean;
  status: RegistrationStatus;
  eventId: string;
  learnerId: string;
  form: RegistrationForm | null;
  eligibility: EligibilityStatus | null;
  approval: ApprovalStatus | null;
  registrantType: string | null;
  /** At most one per Type, in the order first granted. */
  accommodations: readonly Accommodation[];
  examTimeLimit: number | null;
  passcode: string;
};

/** Null until the registration is requested. */
export type RegistrationState = Registration | null;

export function evolveRegistration(state: RegistrationState, event: RegistrationEvent): RegistrationState {
  if (event.type === 'RegistrationRequested') {
    const { data } = event;
    return {
      registrationId: data.RegistrationId,
      organization: data.Organization,
      deleted: false,
      status: data.Status,
      eventId: data.EventId,
      learnerId: data.LearnerId,
      form: null,
      eligibility: null,
      approval: null,
      registrantType: null,
      accommodations: [],
      examTimeLimit: null,
      passcode: data.Passcode,
    };
  }
  if (state === null) return state;
  switch (event.type) {
    case 'ExamFormAssigned':
      return { ...state, form: { id: event.data.FormId, code: event.data.FormCode, timeLimit: event.data.FormTimeLimit } };
    case 'EligibilityChanged':
      return { ...state, eligibility: event.data.EligibilityStatus };
    case 'ApprovalChanged':
      return { ...state, approval: event.data.ApprovalStatus };
    case 'RegistrantTypeChanged':
      return { ...state, registrantType: event.data.RegistrantType };
    case 'AccommodationGranted': {
      const { Type, Name, TimeExtension } = event.data;
      return { ...state, accommodations: withAccommodation(state.accommodations, { Type, Name, TimeExtension }) };
    }
    case 'AccommodationRevoked':
      return { ...state, accommodations: state.accommodations.filter(({ Type }) => Type !== event.data.Type) };
    case 'ExamTimeLimited':
      return { ...state, examTimeLimit: event.data.ExamTimeLimit };
    case 'RegistrationTransferred':
      return { ...state, eventId: event.data.ToEventId };
    case 'RegistrationCancelled':
      return { ...state, status: 'Cancelled' };
    case 'RegistrationDeleted':
      return { ...state, deleted: true };
    default:
      return unknownEventType(event);
  }
}

/** Granting a type the registration already holds replaces it where it stands. */
function withAccommodation(held: readonly Accommodation[], granted: Accommodation): Accommodation[] {
  return held.some(({ Type }) => Type === granted.Type)
    ? held.map((accommodation) => (accommodation.Type === granted.Type ? granted : accommodation))
    : [...held, granted];
}

/** The exam event a registration event puts the registration on (requested, transferred), else null. */
export function joinedEventOf(event: { type: string; data: Record<string, unknown> }): string | null {
  if (event.type === 'RegistrationRequested') return event.data.EventId as string;
  if (event.type === 'RegistrationTransferred') return event.data.ToEventId as string;
  return null;
}
