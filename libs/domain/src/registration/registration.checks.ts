/**
 * Checks that must pass BEFORE the application finds or creates an exam event (a refused command
 * creates no event). `decide` runs the same functions, so the order of spec §4 lives here only.
 */
import { DomainError, notFoundMessage } from '../shared/domain-error.js';
import type { AccommodationRequest, RegisterLax, RegistrationForm, TransferLax } from './registration.commands.js';
import type { Accommodation } from './registration.events.js';
import type { Registration, RegistrationState } from './registration.state.js';

/** register-lax checks 1–4; check 5 is the find-or-create of the exam event. Returns the form found. */
export function checkRegisterLax(command: Omit<RegisterLax, 'eventId'>, state: RegistrationState): RegistrationForm {
  checkAccommodationTypes(command.accommodations);
  checkLearnerExists(command);
  const form = checkedForm(command);
  // Ids are global: an id taken anywhere (even deleted, even by another organization) stays taken.
  if (state !== null) throw DomainError.conflict('Registration already exists');
  return form;
}

function checkLearnerExists(command: { learnerId: string; learnerExists: boolean }): void {
  if (!command.learnerExists) throw DomainError.invalid(notFoundMessage('Learner', command.learnerId));
}

/** The form the catalog chose for the requested code, else `Assessment form not found`. */
export function checkedForm(command: { formCode: string | null; form: RegistrationForm | null }): RegistrationForm {
  if (command.form === null) throw DomainError.invalid(notFoundMessage('Assessment form', command.formCode));
  return command.form;
}

/**
 * transfer-lax checks up to the find-or-create of the target event (which is followed by
 * `Registration already assigned to event`). The accommodations' types, like register-lax's, are
 * checked first. Returns the registration, whose event the target is derived from.
 */
export function checkTransferLax(command: Omit<TransferLax, 'toEventId'>, state: RegistrationState): Registration {
  checkAccommodationTypes(command.accommodations);
  const registration = activeRegistration(state, command);
  checkLearnerExists(command);
  if (command.learnerId !== registration.learnerId) {
    throw DomainError.invalid('Learner does not belong to registration');
  }
  checkAccommodationCount(registration.accommodations, command.accommodations);
  return registration;
}

/** The registration a command names, and the caller's organization. */
type Addressed = { registrationId: string; organization: string };

/** A registration that is missing, deleted or another organization's: all look the same. */
export function existingRegistration(state: RegistrationState, command: Addressed): Registration {
  if (state === null || state.deleted || state.organization !== command.organization) {
    throw DomainError.notFound(notFoundMessage('Registration', command.registrationId));
  }
  return state;
}

/** An existing registration that is not cancelled. */
export function activeRegistration(state: RegistrationState, command: Addressed): Registration {
  const registration = existingRegistration(state, command);
  if (registration.status === 'Cancelled') throw DomainError.conflict('Registration is cancelled');
  return registration;
}

export function checkAccommodationTypes(accommodations: readonly AccommodationRequest[]): void {
  if (accommodations.some(({ Type }) => (Type ?? '').trim() === '')) {
    throw DomainError.invalid('Accommodation type cannot be empty');
  }
}

/**
 * A registration holds one accommodation per type, at most this many: far more than any learner
 * needs, and a bound on the registration's size (grants one at a time grew one to 2 MB, each
 * grant slower than the last; session 21's security review). register-lax takes at most as many.
 */
export const MAX_ACCOMMODATIONS = 100;

/** Refuses accommodations that would take the registration past MAX_ACCOMMODATIONS types. */
export function checkAccommodationCount(held: readonly Accommodation[], requested: readonly AccommodationRequest[]): void {
  const types = new Set([...held, ...requested].map(({ Type }) => Type));
  if (types.size > MAX_ACCOMMODATIONS) {
    throw DomainError.conflict(`Registration cannot hold more than ${MAX_ACCOMMODATIONS} accommodations`);
  }
}
