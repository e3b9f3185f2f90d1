import { replay, UnknownEventTypeError } from '../shared/decider.js';
import { given } from '../shared/decider-spec.js';
import { DomainError } from '../shared/domain-error.js';
import { checkRegisterLax, checkTransferLax } from './registration.checks.js';
import type { AccommodationRequest, RegisterLax, RegistrationCommand, TransferLax } from './registration.commands.js';
import { registrationDecider } from './registration.decider.js';
import type { Accommodation, RegistrationEvent } from './registration.events.js';

const ORG = '0b7c6a52-54b5-4e4f-9a55-0c1c1f0f2a01';
const OTHER_ORG = '7d1e3f40-2b7a-4a54-8f38-3f1f6b8f0c02';
const REG = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c10';
const EVENT_A = 'c7f0e6f2-6f35-4d8e-9b7e-5a3e2a9d8c03';
const EVENT_B = 'c7f0e6f2-6f35-4d8e-9b7e-5a3e2a9d8c04';
const LEARNER = '3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a011';
const OTHER_LEARNER = '3f2c1b0a-9e8d-4c7b-a6f5-e4d3c2b1a012';
const CHEMISTRY = { id: 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e705', code: 'CHEM-110', timeLimit: 120 };
const PHYSICS = { id: 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e706', code: 'PHYS-100', timeLimit: 90 };
const ESSAY = { id: 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e707', code: 'ENGL-200', timeLimit: null };

const NOT_FOUND = DomainError.notFound(`Registration not found: ${REG}`);
const CANCELLED = DomainError.conflict('Registration is cancelled');
const EMPTY_TYPE = DomainError.invalid('Accommodation type cannot be empty');

const about = { RegistrationId: REG };
const extraTime: Accommodation = { Type: 'Extra time', Name: 'Time and a quarter', TimeExtension: 30 };
const quietRoom: Accommodation = { Type: 'Quiet room', Name: null, TimeExtension: null };

function registerCommand(overrides: Partial<RegisterLax> = {}): RegisterLax {
  return {
    type: 'RegisterLax',
    registrationId: REG,
    organization: ORG,
    eventId: EVENT_A,
    learnerId: LEARNER,
    learnerExists: true,
    formCode: CHEMISTRY.code,
    form: CHEMISTRY,
    accommodations: [],
    passcode: 'K7QW2MZP9XRT',
    ...overrides,
  };
}

function transferCommand(overrides: Partial<TransferLax> = {}): TransferLax {
  return {
    type: 'TransferLax',
    registrationId: REG,
    organization: ORG,
    toEventId: EVENT_B,
    learnerId: LEARNER,
    learnerExists: true,
    reason: 'Learner asked for the morning sitting',
    accommodations: [],
    ...overrides,
  };
}

const requested = (organization = ORG): RegistrationEvent => ({
  type: 'RegistrationRequested',
  data: { ...about, Organization: organization, EventId: EVENT_A, LearnerId: LEARNER, Passcode: 'K7QW2MZP9XRT', Status: 'Registered' },
});
const formAssigned = (form: { id: string; code: string; timeLimit: number | null }): RegistrationEvent => ({
  type: 'ExamFormAssigned',
  data: { ...about, FormId: form.id, FormCode: form.code, FormTimeLimit: form.timeLimit },
});
const eligible: RegistrationEvent = { type: 'EligibilityChanged', data: { ...about, EligibilityStatus: 'Eligible' } };
const approved: RegistrationEvent = { type: 'ApprovalChanged', data: { ...about, ApprovalStatus: 'Eligible' } };
const timeLimited = (minutes: number | null): RegistrationEvent => ({
  type: 'ExamTimeLimited',
  data: { ...about, ExamTimeLimit: minutes },
});
const granted = (accommodation: Accommodation): RegistrationEvent => ({
  type: 'AccommodationGranted',
  data: { ...about, ...accommodation },
});
const revoked = (type: string): RegistrationEvent => ({ type: 'AccommodationRevoked', data: { ...about, Type: type } });
const cancelled: RegistrationEvent = {
  type: 'RegistrationCancelled',
  data: { ...about, EventId: EVENT_A, Reason: 'Learner withdrew' },
};
const deleted: RegistrationEvent = { type: 'RegistrationDeleted', data: { ...about, EventId: EVENT_A } };

/** A registration for the chemistry final (120 minutes) on event A. */
const registered: RegistrationEvent[] = [requested(), formAssigned(CHEMISTRY), eligible, approved, timeLimited(120)];
/** The same, holding 30 minutes of extra time and a quiet room. */
const accommodated: RegistrationEvent[] = [...registered, granted(extraTime), granted(quietRoom), timeLimited(150)];

const command = <T extends RegistrationCommand['type']>(
  type: T,
  fields: Omit<Extract<RegistrationCommand, { type: T }>, 'type' | 'registrationId' | 'organization'> & {
    organization?: string;
  },
) => ({ type, registrationId: REG, organization: ORG, ...fields }) as Extract<RegistrationCommand, { type: T }>;

describe('RegisterLax', () => {
  it('records the registration, its form, Eligible statuses and the form’s time limit', () => {
    given(registrationDecider).when(registerCommand()).then(registered);
  });

  it('records the registrant type and grants the accommodations, adding their extensions to the time limit', () => {
    const accommodations: AccommodationRequest[] = [
      { Type: 'Extra time', Name: 'Time and a quarter', TimeExtension: 30 },
      { Type: 'Quiet room' },
      { Type: 'Rest breaks', Name: 'Breaks', TimeExtension: 15 },
    ];
    given(registrationDecider)
      .when(registerCommand({ registrantType: 'Apprentice', accommodations }))
      .then([
        ...registered.slice(0, 4),
        { type: 'RegistrantTypeChanged', data: { ...about, RegistrantType: 'Apprentice' } },
        granted(extraTime),
        granted(quietRoom),
        granted({ Type: 'Rest breaks', Name: 'Breaks', TimeExtension: 15 }),
        timeLimited(165),
      ]);
  });

  it('lets a repeated type replace the earlier one, counting only the last extension', () => {
    const again = { Type: 'Extra time', Name: 'Double time', TimeExtension: 120 };
    given(registrationDecider)
      .when(registerCommand({ accommodations: [extraTime, again] }))
      .then([...registered.slice(0, 4), granted(extraTime), granted(again), timeLimited(240)]);
  });

  it('sets no time limit when the form has none, whatever the extensions', () => {
    given(registrationDecider)
      .when(registerCommand({ form: ESSAY, accommodations: [extraTime] }))
      .then([requested(), formAssigned(ESSAY), eligible, approved, granted(extraTime)]);
  });

  it('ignores a blank registrant type', () => {
    given(registrationDecider).when(registerCommand({ registrantType: '  ' })).then(registered);
  });

  // Each case breaks one input and every input checked after it: the earlier check must win.
  it.each<[string, RegistrationEvent[], Partial<RegisterLax>, DomainError]>([
    ['an empty accommodation type', registered, { accommodations: [extraTime, { Type: ' ' }], learnerExists: false, form: null }, EMPTY_TYPE],
    ['a learner missing from the catalog', registered, { learnerExists: false, form: null }, DomainError.invalid(`Learner not found: ${LEARNER}`)],
    ['no form for the code', registered, { formCode: 'GEO-1', form: null }, DomainError.invalid('Assessment form not found: GEO-1')],
    ['no form code', registered, { formCode: null, form: null }, DomainError.invalid('Assessment form not found')],
    ['a blank form code', registered, { formCode: '  ', form: null }, DomainError.invalid('Assessment form not found')],
    ['an id already used', registered, {}, DomainError.conflict('Registration already exists')],
    ['an id used by another organization', [requested(OTHER_ORG)], {}, DomainError.conflict('Registration already exists')],
    ['the id of a deleted registration', [...registered, deleted], {}, DomainError.conflict('Registration already exists')],
  ])('refuses %s', (_, history, overrides, error) => {
    given(registrationDecider, history).when(registerCommand(overrides)).then(error);
  });

  it('runs the same checks before the exam event is known, for the application to call first', () => {
    const { eventId: _eventId, ...beforeFindOrCreate } = registerCommand();
    expect(checkRegisterLax(beforeFindOrCreate, null)).toEqual(CHEMISTRY);
    expect(() => checkRegisterLax({ ...beforeFindOrCreate, form: null }, null)).toThrow('Assessment form not found');
    expect(() => checkRegisterLax(beforeFindOrCreate, replay(registrationDecider, registered))).toThrow(
      'Registration already exists',
    );
  });
});

/** The registration holding 100 accommodations, one per type: as many as it may. */
const hundredHeld: RegistrationEvent[] = [...registered, ...Array.from({ length: 100 }, (_, i) => granted({ Type: `Need ${i}`, Name: null, TimeExtension: null }))];
const TOO_MANY = DomainError.conflict('Registration cannot hold more than 100 accommodations');

describe('TransferLax', () => {
  const transferred: RegistrationEvent = {
    type: 'RegistrationTransferred',
    data: { ...about, FromEventId: EVENT_A, ToEventId: EVENT_B, Reason: 'Learner asked for the morning sitting' },
  };

  it('moves the registration, keeping its form and time limit', () => {
    given(registrationDecider, registered).when(transferCommand()).then([transferred]);
    const state = replay(registrationDecider, [...registered, transferred]);
    expect(state).toMatchObject({ eventId: EVENT_B, form: CHEMISTRY, examTimeLimit: 120, status: 'Registered' });
  });

  it('grants the accommodations after the move and recomputes the time limit', () => {
    given(registrationDecider, registered)
      .when(transferCommand({ accommodations: [extraTime] }))
      .then([transferred, granted(extraTime), timeLimited(150)]);
  });

  it('does not grant again an accommodation the registration already holds as requested', () => {
    given(registrationDecider, accommodated).when(transferCommand({ accommodations: [extraTime] })).then([transferred]);
  });

  it.each<[string, RegistrationEvent[], Partial<TransferLax>, DomainError]>([
    ['an empty accommodation type, first', [], { accommodations: [{ Type: '' }] }, EMPTY_TYPE],
    ['a missing registration', [], { learnerExists: false }, NOT_FOUND],
    ['a deleted registration', [...registered, deleted], { learnerExists: false }, NOT_FOUND],
    ['another organization’s registration', [requested(OTHER_ORG)], { learnerExists: false }, NOT_FOUND],
    ['a cancelled registration', [...registered, cancelled], { learnerExists: false }, CANCELLED],
    [
      'a learner missing from the catalog',
      registered,
      { learnerExists: false, learnerId: OTHER_LEARNER },
      DomainError.invalid(`Learner not found: ${OTHER_LEARNER}`),
    ],
    [
      'another learner',
      registered,
      { learnerId: OTHER_LEARNER, toEventId: EVENT_A },
      DomainError.invalid('Learner does not belong to registration'),
    ],
    ['its current event', registered, { toEventId: EVENT_A }, DomainError.conflict('Registration already assigned to event')],
    ['accommodations beyond 100 types', hundredHeld, { accommodations: [{ Type: 'One more' }] }, TOO_MANY],
  ])('refuses %s', (_, history, overrides, error) => {
    given(registrationDecider, history).when(transferCommand(overrides)).then(error);
  });

  it('checks everything but the target before the find-or-create, and hands back the registration', () => {
    const { toEventId: _toEventId, ...beforeFindOrCreate } = transferCommand();
    const state = replay(registrationDecider, accommodated);
    expect(checkTransferLax(beforeFindOrCreate, state)).toMatchObject({
      eventId: EVENT_A,
      accommodations: [extraTime, quietRoom],
    });
    expect(() => checkTransferLax({ ...beforeFindOrCreate, learnerId: OTHER_LEARNER }, state)).toThrow(
      'Learner does not belong to registration',
    );
  });
});

describe('CancelRegistration', () => {
  const cancel = (organization = ORG) => command('CancelRegistration', { reason: 'Learner withdrew', organization });

  it('cancels, naming the event it leaves', () => {
    given(registrationDecider, registered).when(cancel()).then([cancelled]);
  });

  it('does nothing when already cancelled', () => {
    given(registrationDecider, [...registered, cancelled]).when(cancel()).then([]);
  });

  it('reports missing, deleted and other organizations’ registrations as not found', () => {
    given(registrationDecider).when(cancel()).then(NOT_FOUND);
    given(registrationDecider, [...registered, deleted]).when(cancel()).then(NOT_FOUND);
    given(registrationDecider, registered).when(cancel(OTHER_ORG)).then(NOT_FOUND);
  });
});

describe('ChangeAssessment', () => {
  const change = (form: typeof CHEMISTRY | typeof ESSAY | null, organization = ORG) =>
    command('ChangeAssessment', { formCode: form?.code ?? 'GEO-1', form, organization });

  it('assigns the new form and takes its time limit', () => {
    given(registrationDecider, registered).when(change(PHYSICS)).then([formAssigned(PHYSICS), timeLimited(90)]);
  });

  it('keeps the accommodations’ extensions on top of the new limit', () => {
    given(registrationDecider, accommodated).when(change(PHYSICS)).then([formAssigned(PHYSICS), timeLimited(120)]);
  });

  it('clears the time limit for a form without one', () => {
    given(registrationDecider, accommodated).when(change(ESSAY)).then([formAssigned(ESSAY), timeLimited(null)]);
  });

  it('records no time limit change when the new form has the same limit', () => {
    const sameLength = { ...PHYSICS, timeLimit: 120 };
    given(registrationDecider, registered).when(change(sameLength)).then([formAssigned(sameLength)]);
  });

  it('assigns a newer form that shares the code of the one held: only the same form is "already assigned"', () => {
    const newerChemistry = { id: 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e708', code: 'CHEM-110', timeLimit: 150 };
    given(registrationDecider, registered).when(change(newerChemistry)).then([formAssigned(newerChemistry), timeLimited(150)]);
  });

  it('makes eligibility and approval Eligible when they are not', () => {
    given(registrationDecider, [requested(), formAssigned(CHEMISTRY)])
      .when(change(PHYSICS))
      .then([formAssigned(PHYSICS), eligible, approved, timeLimited(90)]);
  });

  it.each<[string, RegistrationEvent[], typeof CHEMISTRY | null, string | undefined, DomainError]>([
    ['a missing registration', [], null, undefined, NOT_FOUND],
    ['another organization’s registration', registered, null, OTHER_ORG, NOT_FOUND],
    ['a cancelled registration', [...registered, cancelled], null, undefined, CANCELLED],
    ['no matching assessment form', registered, null, undefined, DomainError.invalid('Assessment form not found: GEO-1')],
    [
      'the form already assigned',
      registered,
      CHEMISTRY,
      undefined,
      DomainError.conflict('Assessment already assigned to registration'),
    ],
  ])('refuses %s', (_, history, form, organization, error) => {
    given(registrationDecider, history).when(change(form, organization)).then(error);
  });
});

describe('GrantAccommodation', () => {
  const grant = (accommodation: AccommodationRequest, organization = ORG) =>
    command('GrantAccommodation', { accommodation, organization });

  it('grants and adds the extension to the time limit', () => {
    given(registrationDecider, registered).when(grant(extraTime)).then([granted(extraTime), timeLimited(150)]);
  });

  it('replaces an accommodation of the same type and recomputes the limit', () => {
    const shorter = { Type: 'Extra time', Name: 'Ten minutes', TimeExtension: 10 };
    given(registrationDecider, accommodated).when(grant(shorter)).then([granted(shorter), timeLimited(130)]);
    const state = replay(registrationDecider, [...accommodated, granted(shorter), timeLimited(130)]);
    expect(state?.accommodations).toEqual([shorter, quietRoom]);
  });

  it('records no time limit change for an accommodation without extension', () => {
    given(registrationDecider, registered).when(grant({ Type: 'Quiet room' })).then([granted(quietRoom)]);
  });

  it('does nothing when the same accommodation is already held', () => {
    given(registrationDecider, accommodated).when(grant({ Type: 'Quiet room', Name: null })).then([]);
  });

  it('refuses an empty type before looking the registration up', () => {
    given(registrationDecider).when(grant({ Type: '' })).then(EMPTY_TYPE);
  });

  it('refuses a 101st type of accommodation, and still replaces one of the hundred held', () => {
    given(registrationDecider, hundredHeld).when(grant({ Type: 'One more' })).then(TOO_MANY);
    const changed = { Type: 'Need 7', Name: 'Changed', TimeExtension: null };
    given(registrationDecider, hundredHeld).when(grant(changed)).then([granted(changed)]);
  });

  it('refuses missing, other organizations’ and cancelled registrations', () => {
    given(registrationDecider).when(grant(extraTime)).then(NOT_FOUND);
    given(registrationDecider, registered).when(grant(extraTime, OTHER_ORG)).then(NOT_FOUND);
    given(registrationDecider, [...registered, cancelled]).when(grant(extraTime)).then(CANCELLED);
  });
});

describe('RevokeAccommodation', () => {
  const revoke = (accommodationType: string, organization = ORG) =>
    command('RevokeAccommodation', { accommodationType, organization });

  it('revokes and takes the extension off the time limit', () => {
    given(registrationDecider, accommodated).when(revoke('Extra time')).then([revoked('Extra time'), timeLimited(120)]);
  });

  it('records no time limit change when the revoked accommodation had no extension', () => {
    given(registrationDecider, accommodated).when(revoke('Quiet room')).then([revoked('Quiet room')]);
    const state = replay(registrationDecider, [...accommodated, revoked('Quiet room')]);
    expect(state?.accommodations).toEqual([extraTime]);
  });

  it('does nothing for a type the registration does not hold', () => {
    given(registrationDecider, accommodated).when(revoke('extra time')).then([]);
    given(registrationDecider, [...accommodated, revoked('Quiet room')]).when(revoke('Quiet room')).then([]);
  });

  it('still works on a cancelled registration', () => {
    given(registrationDecider, [...accommodated, cancelled])
      .when(revoke('Extra time'))
      .then([revoked('Extra time'), timeLimited(120)]);
  });

  it('reports missing and other organizations’ registrations as not found', () => {
    given(registrationDecider).when(revoke('Extra time')).then(NOT_FOUND);
    given(registrationDecider, accommodated).when(revoke('Extra time', OTHER_ORG)).then(NOT_FOUND);
  });
});

describe('DeleteRegistration', () => {
  const remove = (organization = ORG) => command('DeleteRegistration', { organization });

  it('deletes, naming the event it stops counting on', () => {
    given(registrationDecider, registered).when(remove()).then([deleted]);
    given(registrationDecider, [...registered, cancelled]).when(remove()).then([deleted]);
  });

  it('does nothing for a missing, already deleted or other organization’s registration', () => {
    given(registrationDecider).when(remove()).then([]);
    given(registrationDecider, [...registered, deleted]).when(remove()).then([]);
    given(registrationDecider, registered).when(remove(OTHER_ORG)).then([]);
  });
});

describe('evolve', () => {
  it('folds the history into the registration the queries show', () => {
    const state = replay(registrationDecider, [
      ...accommodated,
      { type: 'RegistrantTypeChanged', data: { ...about, RegistrantType: 'Apprentice' } },
      cancelled,
    ]);
    expect(state).toEqual({
      registrationId: REG,
      organization: ORG,
      deleted: false,
      status: 'Cancelled',
      eventId: EVENT_A,
      learnerId: LEARNER,
      form: CHEMISTRY,
      eligibility: 'Eligible',
      approval: 'Eligible',
      registrantType: 'Apprentice',
      accommodations: [extraTime, quietRoom],
      examTimeLimit: 150,
      passcode: 'K7QW2MZP9XRT',
    });
  });

  it('stops at an event type it does not know (a newer version’s), naming it, rather than fold on without it', () => {
    const newer = { type: 'AttendanceRecorded', data: about } as unknown as RegistrationEvent;
    expect(() => replay(registrationDecider, [...registered, newer])).toThrow(new UnknownEventTypeError('AttendanceRecorded'));
  });
});
