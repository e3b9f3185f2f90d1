/**
 * The registration aggregate, stream `registration-<id>` (ids are global across organizations).
 * Events are granular so an auditor can read what changed; the exam time limit is recomputed after
 * every command and recorded only when it changes.
 */
import type { Decider } from '../shared/decider.js';
import { DomainError } from '../shared/domain-error.js';
import { examTimeLimit } from './exam-time-limit.js';
import type {
  AccommodationRequest,
  ChangeAssessment,
  GrantAccommodation,
  RegisterLax,
  RegistrationCommand,
  RegistrationForm,
  RevokeAccommodation,
  TransferLax,
} from './registration.commands.js';
import {
  activeRegistration,
  checkAccommodationCount,
  checkAccommodationTypes,
  checkRegisterLax,
  checkTransferLax,
  checkedForm,
  existingRegistration,
} from './registration.checks.js';
import type { Accommodation, RegistrationEvent } from './registration.events.js';
import { type RegistrationState, evolveRegistration } from './registration.state.js';

export const registrationDecider: Decider<RegistrationCommand, RegistrationState, RegistrationEvent> = {
  initialState: null,
  decide(command, state) {
    switch (command.type) {
      case 'RegisterLax':
        return withExamTimeLimit(state, registerLax(command, state));
      case 'TransferLax':
        return withExamTimeLimit(state, transferLax(command, state));
      case 'CancelRegistration': {
        const registration = existingRegistration(state, command);
        if (registration.status === 'Cancelled') return [];
        const data = { RegistrationId: command.registrationId, EventId: registration.eventId, Reason: command.reason };
        return [{ type: 'RegistrationCancelled', data }];
      }
      case 'ChangeAssessment':
        return withExamTimeLimit(state, changeAssessment(command, state));
      case 'GrantAccommodation':
        return withExamTimeLimit(state, grantAccommodation(command, state));
      case 'RevokeAccommodation':
        return withExamTimeLimit(state, revokeAccommodation(command, state));
      case 'DeleteRegistration': {
        // Deleting is idempotent: nothing to delete is not an error.
        if (state === null || state.deleted || state.organization !== command.organization) return [];
        return [{ type: 'RegistrationDeleted', data: { RegistrationId: command.registrationId, EventId: state.eventId } }];
      }
    }
  },
  evolve: evolveRegistration,
};

function registerLax(command: RegisterLax, state: RegistrationState): RegistrationEvent[] {
  const form = checkRegisterLax(command, state);
  const RegistrationId = command.registrationId;
  const events: RegistrationEvent[] = [
    {
      type: 'RegistrationRequested',
      data: {
        RegistrationId,
        Organization: command.organization,
        EventId: command.eventId,
        LearnerId: command.learnerId,
        Passcode: command.passcode,
        Status: 'Registered',
      },
    },
    formAssigned(RegistrationId, form),
    { type: 'EligibilityChanged', data: { RegistrationId, EligibilityStatus: 'Eligible' } },
    { type: 'ApprovalChanged', data: { RegistrationId, ApprovalStatus: 'Eligible' } },
  ];
  const registrantType = command.registrantType;
  if (registrantType && registrantType.trim() !== '') {
    events.push({ type: 'RegistrantTypeChanged', data: { RegistrationId, RegistrantType: registrantType } });
  }
  return [...events, ...grants(RegistrationId, [], command.accommodations)];
}

function transferLax(command: TransferLax, state: RegistrationState): RegistrationEvent[] {
  const registration = checkTransferLax(command, state);
  if (command.toEventId === registration.eventId) throw DomainError.conflict('Registration already assigned to event');
  return [
    {
      type: 'RegistrationTransferred',
      data: {
        RegistrationId: command.registrationId,
        FromEventId: registration.eventId,
        ToEventId: command.toEventId,
        Reason: command.reason,
      },
    },
    ...grants(command.registrationId, registration.accommodations, command.accommodations),
  ];
}

function changeAssessment(command: ChangeAssessment, state: RegistrationState): RegistrationEvent[] {
  const registration = activeRegistration(state, command);
  const form = checkedForm(command);
  if (form.id === registration.form?.id) throw DomainError.conflict('Assessment already assigned to registration');
  const RegistrationId = command.registrationId;
  const events: RegistrationEvent[] = [formAssigned(RegistrationId, form)];
  if (registration.eligibility !== 'Eligible') {
    events.push({ type: 'EligibilityChanged', data: { RegistrationId, EligibilityStatus: 'Eligible' } });
  }
  if (registration.approval !== 'Eligible') {
    events.push({ type: 'ApprovalChanged', data: { RegistrationId, ApprovalStatus: 'Eligible' } });
  }
  return events;
}

function grantAccommodation(command: GrantAccommodation, state: RegistrationState): RegistrationEvent[] {
  checkAccommodationTypes([command.accommodation]);
  const registration = activeRegistration(state, command);
  checkAccommodationCount(registration.accommodations, [command.accommodation]);
  return grants(command.registrationId, registration.accommodations, [command.accommodation]);
}

function revokeAccommodation(command: RevokeAccommodation, state: RegistrationState): RegistrationEvent[] {
  const registration = existingRegistration(state, command);
  if (!registration.accommodations.some(({ Type }) => Type === command.accommodationType)) return [];
  return [{ type: 'AccommodationRevoked', data: { RegistrationId: command.registrationId, Type: command.accommodationType } }];
}

function formAssigned(RegistrationId: string, form: RegistrationForm): RegistrationEvent {
  return {
    type: 'ExamFormAssigned',
    data: { RegistrationId, FormId: form.id, FormCode: form.code, FormTimeLimit: form.timeLimit },
  };
}

/** One grant per requested accommodation that changes what is held; a repeated type replaces the earlier one. */
function grants(
  RegistrationId: string,
  held: readonly Accommodation[],
  requested: readonly AccommodationRequest[],
): RegistrationEvent[] {
  const events: RegistrationEvent[] = [];
  let current = held;
  for (const { Type, Name, TimeExtension } of requested) {
    const accommodation: Accommodation = { Type, Name: Name ?? null, TimeExtension: TimeExtension ?? null };
    const same = current.find((existing) => existing.Type === Type);
    if (same && same.Name === accommodation.Name && same.TimeExtension === accommodation.TimeExtension) continue;
    events.push({ type: 'AccommodationGranted', data: { RegistrationId, ...accommodation } });
    current = [...current.filter((existing) => existing.Type !== Type), accommodation];
  }
  return events;
}

/** Appends `ExamTimeLimited` when the events change the exam time limit (form limit + extensions). */
function withExamTimeLimit(state: RegistrationState, events: RegistrationEvent[]): RegistrationEvent[] {
  const after = events.reduce(evolveRegistration, state);
  if (after === null) return events;
  const limit = examTimeLimit(after.form?.timeLimit ?? null, after.accommodations);
  if (limit === after.examTimeLimit) return events;
  return [...events, { type: 'ExamTimeLimited', data: { RegistrationId: after.registrationId, ExamTimeLimit: limit } }];
}
