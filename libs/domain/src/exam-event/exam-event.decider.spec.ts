import { replay, UnknownEventTypeError } from '../shared/decider.js';
import { given } from '../shared/decider-spec.js';
import { DomainError } from '../shared/domain-error.js';
import type { ExamEventCommand, ScheduleExamEvent } from './exam-event.commands.js';
import { examEventDecider } from './exam-event.decider.js';
import type { ExamEventEvent, ExamScheduled } from './exam-event.events.js';

const ORG = '0b7c6a52-54b5-4e4f-9a55-0c1c1f0f2a01';
const OTHER_ORG = '7d1e3f40-2b7a-4a54-8f38-3f1f6b8f0c02';
const EVENT = 'c7f0e6f2-6f35-4d8e-9b7e-5a3e2a9d8c03';
const VENUE = { id: '5e0f7d1c-9a6b-4c3e-8d2f-1b0a9c8e7f04', name: 'Downtown Campus', timeZone: 'America/Vancouver' };
const NOW = new Date('2026-02-01T12:00:00Z');

function scheduleCommand(overrides: Partial<ScheduleExamEvent> = {}): ScheduleExamEvent {
  return {
    type: 'ScheduleExamEvent',
    eventId: EVENT,
    organization: ORG,
    number: 7,
    venueId: VENUE.id,
    venue: VENUE,
    start: '2026-03-01T09:00:00-08:00',
    examType: 'Class',
    format: 'Paper',
    billingCode: 'CHEM 110 (3h)',
    billingCodeDurationMinutes: 180,
    registrationLimit: null,
    now: NOW,
    source: 'API',
    ...overrides,
  };
}

const scheduled: ExamScheduled = {
  type: 'ExamScheduled',
  data: {
    EventId: EVENT,
    Organization: ORG,
    Number: 7,
    Venue: VENUE.id,
    VenueName: 'Downtown Campus',
    VenueTimeZone: 'America/Vancouver',
    Start: '2026-03-01T17:00:00.000Z',
    End: '2026-03-01T20:00:00.000Z',
    DurationMinutes: 180,
    ExamType: 'Class',
    Format: 'Paper',
    BillingCode: 'CHEM 110 (3h)',
    RegistrationLimit: null,
    Source: 'API',
    Title: 'Downtown Campus / No Exam',
    Status: 'Scheduled',
  },
};

const chemistry = { id: 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e705', title: 'Chemistry Final' };
const physics = { id: 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e706', title: 'Physics Final' };

const attach = (form: { id: string; title: string }, organization = ORG): ExamEventCommand => ({
  type: 'AttachExamForm',
  eventId: EVENT,
  organization,
  form,
});
const attached = (form: { id: string; title: string }): ExamEventEvent => ({
  type: 'ExamFormAttached',
  data: { EventId: EVENT, FormId: form.id, FormTitle: form.title },
});
const retitled = (title: string): ExamEventEvent => ({ type: 'ExamEventRetitled', data: { EventId: EVENT, Title: title } });
const cancelled = (automatic = false): ExamEventEvent => ({
  type: 'ExamEventCancelled',
  data: { EventId: EVENT, Reason: 'Room flooded', Automatic: automatic },
});
const cancel = (overrides: Partial<Extract<ExamEventCommand, { type: 'CancelExamEvent' }>> = {}): ExamEventCommand => ({
  type: 'CancelExamEvent',
  eventId: EVENT,
  organization: ORG,
  reason: 'Room flooded',
  automatic: false,
  activeRegistrations: 0,
  ...overrides,
});

describe('ScheduleExamEvent', () => {
  it('records the event in UTC with its number, venue, duration from the billing code and the "No Exam" title', () => {
    given(examEventDecider).when(scheduleCommand()).then([scheduled]);
  });

  it('keeps a registration limit and a start given in UTC', () => {
    const command = scheduleCommand({ registrationLimit: 25, start: '2026-03-01T17:00:00Z' });
    given(examEventDecider)
      .when(command)
      .then([{ ...scheduled, data: { ...scheduled.data, RegistrationLimit: 25 } }]);
  });

  it('gives a zero-duration billing code an event that ends when it starts', () => {
    given(examEventDecider)
      .when(scheduleCommand({ billingCode: 'MISC', billingCodeDurationMinutes: 0 }))
      .then([
        {
          ...scheduled,
          data: { ...scheduled.data, BillingCode: 'MISC', DurationMinutes: 0, End: '2026-03-01T17:00:00.000Z' },
        },
      ]);
  });

  it('refuses an id already used, before looking at anything else', () => {
    given(examEventDecider, [scheduled])
      .when(scheduleCommand({ examType: null, venue: null }))
      .then(DomainError.conflict('Event already exists'));
  });

  it('refuses an id already used by another organization', () => {
    given(examEventDecider, [scheduled])
      .when(scheduleCommand({ organization: OTHER_ORG }))
      .then(DomainError.conflict('Event already exists'));
  });

  // Each case breaks one field and every field checked after it: the earlier check must win.
  it.each<[string, Partial<ScheduleExamEvent>, string]>([
    ['missing exam type', { examType: undefined, billingCode: null }, 'EventExamType not specified'],
    ['blank exam type', { examType: '  ', billingCode: null }, 'EventExamType not specified'],
    ['unknown exam type', { examType: 'Exam', billingCode: null }, 'Invalid EventExamType value'],
    ['exam type in the wrong case', { examType: 'class', billingCode: null }, 'Invalid EventExamType value'],
    ['missing billing code', { billingCode: null, format: null }, 'EventBillingCode not specified'],
    ['blank billing code', { billingCode: '', format: null }, 'EventBillingCode not specified'],
    ['billing code not in the catalog', { billingCodeDurationMinutes: null, format: null }, 'Invalid EventBillingCode value'],
    ['missing format', { format: undefined, start: null }, 'EventExamFormat not specified'],
    ['unknown format', { format: 'Hybrid', start: null }, 'Invalid EventExamFormat value'],
    ['missing start', { start: undefined, venue: null }, 'Invalid EventStartTime value'],
    ['unparsable start', { start: 'next Monday', venue: null }, 'Invalid EventStartTime value'],
    ['start without offset', { start: '2026-03-01T09:00:00', venue: null }, 'Invalid EventStartTime value'],
    ['start equal to now', { start: '2026-02-01T04:00:00-08:00', venue: null }, 'Invalid EventStartTime value'],
    ['start in the past', { start: '2026-01-31T12:00:00Z', venue: null }, 'Invalid EventStartTime value'],
    ['start after 9999 in UTC', { start: '9999-12-31T20:00:00-14:00', venue: null }, 'Invalid EventStartTime value'],
    ['start whose end is after 9999 in UTC', { start: '9999-12-31T23:00:00Z', billingCodeDurationMinutes: 61, venue: null }, 'Invalid EventStartTime value'],
    ['start whose end no Date can hold (a huge duration)', { billingCodeDurationMinutes: 1e300, venue: null }, 'Invalid EventStartTime value'],
    // 12:00 UTC on 9999-12-31 is 02:00 on 10000-01-01 at a +14:00 venue: no list-events day names it.
    ['start after 9999 on the venue’s clock', { start: '9999-12-31T12:00:00Z', billingCodeDurationMinutes: 0, venue: { ...VENUE, timeZone: 'Pacific/Kiritimati' }, registrationLimit: 0 }, 'Invalid EventStartTime value'],
    ['start whose end is after 9999 on the venue’s clock', { start: '9999-12-31T08:00:00Z', billingCodeDurationMinutes: 180, venue: { ...VENUE, timeZone: 'Pacific/Kiritimati' }, registrationLimit: 0 }, 'Invalid EventStartTime value'],
    ['venue not in the catalog', { venue: null, registrationLimit: 0 }, `Venue not found: ${VENUE.id}`],
    ['no venue', { venueId: null, venue: null, registrationLimit: 0 }, 'Venue not found'],
    ['registration limit of zero', { registrationLimit: 0 }, 'Invalid RegistrationLimit value'],
    ['fractional registration limit', { registrationLimit: 2.5 }, 'Invalid RegistrationLimit value'],
  ])('refuses a %s', (_, overrides, message) => {
    given(examEventDecider).when(scheduleCommand(overrides)).then(DomainError.invalid(message));
  });

  it('accepts an event that ends at the last minute of 9999 on its venue’s clock', () => {
    const kiritimati = { ...VENUE, timeZone: 'Pacific/Kiritimati' };
    const events = examEventDecider.decide(
      scheduleCommand({ start: '9999-12-31T06:59:00Z', billingCodeDurationMinutes: 3 * 60, venue: kiritimati }),
      examEventDecider.initialState,
    );
    expect(events).toEqual([expect.objectContaining({ data: expect.objectContaining({ End: '9999-12-31T09:59:00.000Z' }) })]);
  });

  it.each(['Individual (A)', 'Accessibility and Resource Centre (ARC)'])('accepts the exam type %s', (examType) => {
    given(examEventDecider)
      .when(scheduleCommand({ examType }))
      .then([{ ...scheduled, data: { ...scheduled.data, ExamType: examType } }]);
  });
});

describe('AttachExamForm', () => {
  it('titles the event after its first form', () => {
    given(examEventDecider, [scheduled])
      .when(attach(chemistry))
      .then([attached(chemistry), retitled('Downtown Campus / Chemistry Final')]);
  });

  it('titles the event "Various" once a second, different form is attached', () => {
    given(examEventDecider, [scheduled, attached(chemistry), retitled('Downtown Campus / Chemistry Final')])
      .when(attach(physics))
      .then([attached(physics), retitled('Downtown Campus / Various')]);
  });

  it('counts forms by id: a second form with the same title still makes "Various"', () => {
    const twin = { id: 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e799', title: 'Chemistry Final' };
    given(examEventDecider, [scheduled, attached(chemistry), retitled('Downtown Campus / Chemistry Final')])
      .when(attach(twin))
      .then([attached(twin), retitled('Downtown Campus / Various')]);
  });

  it('records a third form without retitling an event already titled "Various"', () => {
    const third = { id: 'f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e707', title: 'Biology Final' };
    given(examEventDecider, [scheduled, attached(chemistry), attached(physics), retitled('Downtown Campus / Various')])
      .when(attach(third))
      .then([attached(third)]);
  });

  it('does nothing when the form is already attached', () => {
    given(examEventDecider, [scheduled, attached(chemistry), retitled('Downtown Campus / Chemistry Final')])
      .when(attach(chemistry))
      .then([]);
  });

  it('reports a missing event, or another organization’s, as not found', () => {
    given(examEventDecider).when(attach(chemistry)).then(DomainError.notFound(`Exam event not found: ${EVENT}`));
    given(examEventDecider, [scheduled])
      .when(attach(chemistry, OTHER_ORG))
      .then(DomainError.notFound(`Exam event not found: ${EVENT}`));
  });
});

describe('CancelExamEvent', () => {
  it('cancels an event without active registrations', () => {
    given(examEventDecider, [scheduled]).when(cancel()).then([cancelled()]);
  });

  it('records whether the service cancelled it automatically', () => {
    given(examEventDecider, [scheduled]).when(cancel({ automatic: true })).then([cancelled(true)]);
  });

  it('reports a missing event, or another organization’s, as not found', () => {
    given(examEventDecider).when(cancel()).then(DomainError.notFound(`Exam event not found: ${EVENT}`));
    given(examEventDecider, [scheduled])
      .when(cancel({ organization: OTHER_ORG }))
      .then(DomainError.notFound(`Exam event not found: ${EVENT}`));
  });

  it('refuses to cancel twice, even when registrations are active', () => {
    given(examEventDecider, [scheduled, cancelled()])
      .when(cancel({ activeRegistrations: 2 }))
      .then(DomainError.conflict('Exam event is already cancelled'));
  });

  it('lets an automatic cancellation of a cancelled event pass without effect', () => {
    given(examEventDecider, [scheduled, cancelled()]).when(cancel({ automatic: true })).then([]);
  });

  it('refuses while registrations are active, even automatically', () => {
    const message = 'The exam event cannot be cancelled because it contains active registrations';
    given(examEventDecider, [scheduled]).when(cancel({ activeRegistrations: 1 })).then(DomainError.conflict(message));
    given(examEventDecider, [scheduled])
      .when(cancel({ activeRegistrations: 1, automatic: true }))
      .then(DomainError.conflict(message));
  });
});

describe('evolve', () => {
  it('folds the history into the event as list-events shows it', () => {
    const { state } = given(examEventDecider, [
      scheduled,
      attached(chemistry),
      retitled('Downtown Campus / Chemistry Final'),
      cancelled(),
    ]);
    expect(state).toMatchObject({
      number: 7,
      title: 'Downtown Campus / Chemistry Final',
      status: 'Cancelled',
      forms: [chemistry],
      venue: VENUE,
    });
  });

  it('stops at an event type it does not know (a newer version’s), naming it', () => {
    const newer = { type: 'ExamEventRescheduled', data: { EventId: scheduled.data.EventId } } as unknown as ExamEventEvent;
    expect(() => replay(examEventDecider, [scheduled, newer])).toThrow(new UnknownEventTypeError('ExamEventRescheduled'));
  });
});
