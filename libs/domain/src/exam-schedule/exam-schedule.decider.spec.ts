import { replay } from '../shared/decider.js';
import { given } from '../shared/decider-spec.js';
import { DomainError } from '../shared/domain-error.js';
import type { ExamScheduledData } from '../exam-event/exam-event.events.js';
import {
  type ExamScheduleEvent,
  examScheduleDecider,
  findSharedEvent,
  nextEventNumber,
  assignedAfter,
  isAssigned,
} from './exam-schedule.decider.js';

const ORG = '0b7c6a52-54b5-4e4f-9a55-0c1c1f0f2a01';
const DOWNTOWN = '5e0f7d1c-9a6b-4c3e-8d2f-1b0a9c8e7f04';
const NORTH = '5e0f7d1c-9a6b-4c3e-8d2f-1b0a9c8e7f05';
const NINE_AM = new Date('2026-03-01T17:00:00Z');

function details(eventId: string, number: number, overrides: Partial<ExamScheduledData> = {}): ExamScheduledData {
  return {
    EventId: eventId,
    Organization: ORG,
    Number: number,
    Venue: DOWNTOWN,
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
    ...overrides,
  };
}

function assigned(eventId: string, number: number, overrides: Partial<ExamScheduledData> = {}): ExamScheduleEvent {
  const data = details(eventId, number, overrides);
  return {
    type: 'ExamEventNumberAssigned',
    data: {
      EventId: eventId,
      Number: number,
      Venue: data.Venue,
      StartMinute: data.Start.slice(0, 16) + 'Z',
      Shared: !data.ExamType.startsWith('Individual'),
      Details: data,
    },
  };
}

const released = (eventId: string): ExamScheduleEvent => ({ type: 'ExamSlotReleased', data: { EventId: eventId } });
const schedule = (...history: ExamScheduleEvent[]) => replay(examScheduleDecider, history);

describe('AssignEventNumber', () => {
  it('numbers the first event 1 and records its slot as shared', () => {
    given(examScheduleDecider)
      .when({ type: 'AssignEventNumber', details: details('e1', 1) })
      .then([assigned('e1', 1)]);
  });

  it('truncates the slot to the UTC minute of the start', () => {
    const withSeconds = details('e1', 1, { Start: '2026-03-01T17:00:42.500Z' });
    given(examScheduleDecider)
      .when({ type: 'AssignEventNumber', details: withSeconds })
      .then([
        {
          type: 'ExamEventNumberAssigned',
          data: { EventId: 'e1', Number: 1, Venue: DOWNTOWN, StartMinute: '2026-03-01T17:00Z', Shared: true, Details: withSeconds },
        },
      ]);
  });

  it.each(['Individual', 'Individual (A)', 'Individual (N)'])('never shares a %s event', (examType) => {
    const [event] = examScheduleDecider.decide(
      { type: 'AssignEventNumber', details: details('e1', 1, { ExamType: examType }) },
      schedule(),
    );
    expect(event.data).toMatchObject({ EventId: 'e1', Number: 1, Shared: false });
  });

  it('continues the sequence after the last number, released slots included', () => {
    const state = schedule(assigned('e1', 1), assigned('e2', 2), released('e2'));
    expect(nextEventNumber(state)).toBe(3);
    given(examScheduleDecider, [assigned('e1', 1), assigned('e2', 2), released('e2')])
      .when({ type: 'AssignEventNumber', details: details('e3', 3) })
      .then([assigned('e3', 3)]);
  });

  it('refuses an event id the schedule already knows', () => {
    given(examScheduleDecider, [assigned('e1', 1), released('e1')])
      .when({ type: 'AssignEventNumber', details: details('e1', 2) })
      .then(DomainError.conflict('Event already exists'));
  });

  it('refuses a number that is not the next one', () => {
    const history = [assigned('e1', 1)];
    for (const number of [1, 3]) {
      expect(() =>
        examScheduleDecider.decide({ type: 'AssignEventNumber', details: details('e2', number) }, schedule(...history)),
      ).toThrow(`Event number ${number} is not the schedule's next number 2`);
    }
  });
});

describe('ReleaseSlot', () => {
  it('frees the slot of a shared event', () => {
    given(examScheduleDecider, [assigned('e1', 1)]).when({ type: 'ReleaseSlot', eventId: 'e1' }).then([released('e1')]);
  });

  it('does nothing when the slot is already released', () => {
    given(examScheduleDecider, [assigned('e1', 1), released('e1')]).when({ type: 'ReleaseSlot', eventId: 'e1' }).then([]);
  });

  it('does nothing for an Individual event, which holds no slot', () => {
    given(examScheduleDecider, [assigned('e1', 1, { ExamType: 'Individual (N)' })])
      .when({ type: 'ReleaseSlot', eventId: 'e1' })
      .then([]);
  });

  it('does nothing for an unknown event', () => {
    given(examScheduleDecider, [assigned('e1', 1)]).when({ type: 'ReleaseSlot', eventId: 'e9' }).then([]);
  });
});

describe('findSharedEvent', () => {
  it('finds nothing in an empty schedule', () => {
    expect(findSharedEvent(schedule(), DOWNTOWN, NINE_AM)).toBeNull();
  });

  it('finds the event at the same venue in the same minute, whatever the seconds', () => {
    const state = schedule(assigned('e1', 1));
    expect(findSharedEvent(state, DOWNTOWN, new Date('2026-03-01T17:00:59Z'))).toEqual({ eventId: 'e1', number: 1 });
  });

  it('picks the highest-numbered event when the slot has several', () => {
    const state = schedule(assigned('e1', 1), assigned('e2', 2), assigned('e3', 3, { Venue: NORTH }));
    expect(findSharedEvent(state, DOWNTOWN, NINE_AM)).toEqual({ eventId: 'e2', number: 2 });
  });

  it('ignores released slots and falls back to the next highest', () => {
    const state = schedule(assigned('e1', 1), assigned('e2', 2), released('e2'));
    expect(findSharedEvent(state, DOWNTOWN, NINE_AM)).toEqual({ eventId: 'e1', number: 1 });
    expect(findSharedEvent(schedule(assigned('e1', 1), released('e1')), DOWNTOWN, NINE_AM)).toBeNull();
  });

  it('never picks an Individual event', () => {
    const state = schedule(assigned('e1', 1), assigned('e2', 2, { ExamType: 'Individual (A)' }));
    expect(findSharedEvent(state, DOWNTOWN, NINE_AM)).toEqual({ eventId: 'e1', number: 1 });
    expect(findSharedEvent(schedule(assigned('e2', 1, { ExamType: 'Individual' })), DOWNTOWN, NINE_AM)).toBeNull();
  });

  it('does not share across venues or minutes', () => {
    const state = schedule(assigned('e1', 1));
    expect(findSharedEvent(state, NORTH, NINE_AM)).toBeNull();
    expect(findSharedEvent(state, DOWNTOWN, new Date('2026-03-01T17:01:00Z'))).toBeNull();
    expect(findSharedEvent(state, DOWNTOWN, new Date('2026-03-01T16:59:59Z'))).toBeNull();
  });

  it('lets concurrent creators converge: whoever re-reads after the winner’s append finds its event', () => {
    const atRevisionR = schedule(assigned('e1', 1, { Venue: NORTH }));
    expect(findSharedEvent(atRevisionR, DOWNTOWN, NINE_AM)).toBeNull();
    const [winner] = examScheduleDecider.decide(
      { type: 'AssignEventNumber', details: details('winner', nextEventNumber(atRevisionR)) },
      atRevisionR,
    );
    const reRead = examScheduleDecider.evolve(atRevisionR, winner);
    expect(findSharedEvent(reRead, DOWNTOWN, NINE_AM)).toEqual({ eventId: 'winner', number: 2 });
  });
});

describe('isAssigned', () => {
  it('knows the events the schedule numbered, and keeps their slots without their ExamScheduled details', () => {
    const state = schedule(assigned('e1', 1), assigned('e2', 2, { Venue: NORTH }));
    expect([isAssigned(state, 'e2'), isAssigned(state, 'e9')]).toEqual([true, false]);
    // The details are read from the stored event when a stopped creation needs them, not held for every event.
    expect(assignedAfter(state, 1)).toEqual([{ EventId: 'e2', Number: 2, Venue: NORTH, StartMinute: '2026-03-01T17:00Z', Shared: true }]);
  });
});

describe('state', () => {
  it('leaves earlier states untouched when evolving', () => {
    const before = schedule(assigned('e1', 1));
    const after = examScheduleDecider.evolve(before, released('e1'));
    expect(findSharedEvent(before, DOWNTOWN, NINE_AM)).toEqual({ eventId: 'e1', number: 1 });
    expect(findSharedEvent(after, DOWNTOWN, NINE_AM)).toBeNull();
  });

  it('loads a large schedule quickly', () => {
    const history = Array.from({ length: 20_000 }, (_, i) => assigned(`e${i + 1}`, i + 1));
    const started = performance.now();
    const state = schedule(...history);
    expect(findSharedEvent(state, NORTH, NINE_AM)).toBeNull();
    expect(nextEventNumber(state)).toBe(20_001);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('lookups over a growing schedule', () => {
  it('answer the same for an older state queried again after a newer one took over its index', () => {
    const older = schedule(assigned('e1', 1), assigned('e2', 2));
    expect(findSharedEvent(older, DOWNTOWN, NINE_AM)?.eventId).toBe('e2');

    const newer = examScheduleDecider.evolve(older, released('e2'));
    expect(findSharedEvent(newer, DOWNTOWN, NINE_AM)?.eventId).toBe('e1');

    // The older state still has e2 in its slot, whichever state was indexed last.
    expect(findSharedEvent(older, DOWNTOWN, NINE_AM)?.eventId).toBe('e2');
    expect(findSharedEvent(newer, DOWNTOWN, NINE_AM)?.eventId).toBe('e1');
    expect(isAssigned(older, 'e2')).toBe(true);
  });

  it('find events added after a lookup, and never reuse a number', () => {
    let state = schedule();
    for (let number = 1; number <= 50; number++) {
      const id = `e${number}`;
      expect(() => examScheduleDecider.decide({ type: 'AssignEventNumber', details: details(id, number) }, state)).not.toThrow();
      state = examScheduleDecider.evolve(state, assigned(id, number));
      expect(findSharedEvent(state, DOWNTOWN, NINE_AM)?.number).toBe(number);
    }
    expect(() =>
      examScheduleDecider.decide({ type: 'AssignEventNumber', details: details('e7', 51) }, state),
    ).toThrow('Event already exists');
  });
});
