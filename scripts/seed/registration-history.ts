/**
 * Builds the events of a registration's world (learner, form, exam event, registration) with the
 * real deciders, as the commands would decide them, ready to append. Shared by the seeding script
 * and the registration search suites, which need many registrations with chosen change times.
 */
import { assessmentFormDecider, learnerDecider, venueDecider } from '../../libs/domain/src/catalog/catalog.deciders.js';
import { catalogStreams } from '../../libs/domain/src/catalog/catalog.events.js';
import { examEventDecider, examEventStreamId } from '../../libs/domain/src/exam-event/exam-event.decider.js';
import { registrationDecider } from '../../libs/domain/src/registration/registration.decider.js';
import { registrationStreamId } from '../../libs/domain/src/registration/registration.state.js';
import type { DomainEvent } from '../../libs/domain/src/shared/decider.js';
import type { EventSourcedStreams } from '../../libs/application/src/event-sourcing/event-sourced-streams.js';
import type { EventStore, NewEvent } from '../../libs/event-store/src/event-store.js';

export interface LearnerSeed {
  id: string;
  name: string;
  email: string | null;
  code: string | null;
}

export interface FormSeed {
  id: string;
  code: string;
  title: string;
}

export interface ExamEventSeed {
  id: string;
  number: number;
  venue: { id: string; name: string; timeZone: string };
  /** ISO with offset, after `now`. */
  start: string;
}

/** One stream's new events, appended to a stream that must not exist yet. */
export interface StreamAppend {
  streamId: string;
  events: NewEvent[];
}

export class RegistrationHistory {
  constructor(
    private readonly streams: EventSourcedStreams,
    readonly organization: string,
    private readonly actor = 'seed',
  ) {}

  venue(venue: ExamEventSeed['venue'], now: Date): StreamAppend {
    const definition = { Organization: this.organization, VenueId: venue.id, Name: venue.name, TimeZone: venue.timeZone, Address: null };
    return this.append(catalogStreams.venue(this.organization, venue.id), venueDecider.decide({ definition }, null), now);
  }

  learner(learner: LearnerSeed, now: Date): StreamAppend {
    const definition = { Organization: this.organization, LearnerId: learner.id, Name: learner.name, Email: learner.email, Code: learner.code };
    return this.append(catalogStreams.learner(this.organization, learner.id), learnerDecider.decide({ definition }, null), now);
  }

  form(form: FormSeed, now: Date): StreamAppend {
    const definition = {
      Organization: this.organization,
      FormId: form.id,
      Code: form.code,
      Name: null,
      Title: form.title,
      Status: 'Published' as const,
      Asset: null,
      TimeLimit: 90,
    };
    return this.append(catalogStreams.assessmentForm(this.organization, form.id), assessmentFormDecider.decide({ definition }, null), now);
  }

  /**
   * The exam event's `ExamScheduled` (the seeding script also records it in the organization's
   * schedule), then the forms its registrations will use attached, as register-lax attaches them
   * (a new title, if it changes, with each).
   */
  examEvent(event: ExamEventSeed, now: Date, forms: readonly FormSeed[] = []): StreamAppend {
    const scheduled = examEventDecider.decide(
      {
        type: 'ScheduleExamEvent',
        eventId: event.id,
        organization: this.organization,
        number: event.number,
        venueId: event.venue.id,
        venue: event.venue,
        start: event.start,
        examType: 'Class',
        format: 'Paper',
        billingCode: 'Exam Fee (3h)',
        billingCodeDurationMinutes: 180,
        registrationLimit: null,
        now,
        source: 'API',
      },
      null,
    );
    const events = [...scheduled];
    let state = scheduled.reduce(examEventDecider.evolve, examEventDecider.initialState);
    for (const form of forms) {
      const attached = examEventDecider.decide(
        { type: 'AttachExamForm', eventId: event.id, organization: this.organization, form: { id: form.id, title: form.title } },
        state,
      );
      state = attached.reduce(examEventDecider.evolve, state);
      events.push(...attached);
    }
    return this.append(examEventStreamId(event.id), events, now);
  }

  /** RegistrationRequested and what register-lax records with it, all at `now`. */
  registration(id: string, eventId: string, learnerId: string, form: FormSeed, now: Date): StreamAppend {
    const events = registrationDecider.decide(
      {
        type: 'RegisterLax',
        registrationId: id,
        organization: this.organization,
        eventId,
        learnerId,
        learnerExists: true,
        formCode: form.code,
        form: { id: form.id, code: form.code, timeLimit: 90 },
        accommodations: [],
        passcode: id.slice(0, 8).toUpperCase(),
      },
      null,
    );
    return this.append(registrationStreamId(id), events, now);
  }

  append(streamId: string, events: DomainEvent[], now: Date): StreamAppend {
    const context = { organization: this.organization, actor: this.actor, correlationId: `seed-${streamId}`, now };
    return { streamId, events: this.streams.toNewEvents(events, context) };
  }
}

/** Appends each stream as new; returns the position of the last event. */
export async function appendAll(eventStore: EventStore, appends: readonly StreamAppend[]): Promise<bigint | null> {
  let position: bigint | null = null;
  for (const { streamId, events } of appends) {
    if (events.length === 0) continue;
    position = (await eventStore.append(streamId, events, 'no_stream')).position;
  }
  return position;
}
