import type { EventStore, StoredEvent } from '../../../event-store/src/event-store.js';
import { catalogStreams, type AssessmentFormDefinition, type LearnerDefinition, type VenueDefinition } from '../../../domain/src/catalog/catalog.events.js';
import { examEventTitle, formTitleShown } from '../../../domain/src/exam-event/exam-event-title.js';
import type { ExamFormAttachedData, ExamScheduledData } from '../../../domain/src/exam-event/exam-event.events.js';
import { examEventStreamId } from '../../../domain/src/exam-event/exam-event.decider.js';
import { registrationDecider } from '../../../domain/src/registration/registration.decider.js';
import type { RegistrationEvent } from '../../../domain/src/registration/registration.events.js';
import { registrationStreamId } from '../../../domain/src/registration/registration.state.js';
import { replay } from '../../../domain/src/shared/decider.js';
import { DomainError, notFoundMessage } from '../../../domain/src/shared/domain-error.js';
import { formatInZone } from '../../../domain/src/shared/time.js';
import { ownerOf } from './audit-history.js';

/**
 * GET /api/registrations/{id}?asOf=…: the registration as it was at an instant, folded from the
 * event streams (not the read model): its own stream through the registration decider, and the
 * learner, form, exam event and venue (the offset of the event's times and the name in its title)
 * it showed, each folded up to the same instant, and the title's form as titled then. The shape is
 * the one retrieve returns.
 */
export class RegistrationAsOf {
  constructor(private readonly eventStore: EventStore) {}

  async retrieve(organization: string, registrationId: string, asOf: Date): Promise<Record<string, unknown>> {
    const notFound = () => DomainError.notFound(notFoundMessage('Registration', registrationId));
    const streamId = registrationStreamId(registrationId);
    // The owner from the first event alone, as for the history: the 404's time must not tell how long another organization's stream is.
    const [first] = await this.eventStore.readStream(streamId, { maxCount: 1 });
    if (first === undefined || ownerOf(first) !== organization) throw notFound();
    const history = await this.until(streamId, asOf);
    const state = replay(registrationDecider, history.map((e) => ({ type: e.type, data: e.data }) as RegistrationEvent));
    if (state === null || state.organization !== organization || state.deleted) throw notFound();
    const last = history[history.length - 1];

    const [learner, form, event] = await Promise.all([
      this.latestData<LearnerDefinition>(catalogStreams.learner(organization, state.learnerId), asOf),
      state.form ? this.latestData<AssessmentFormDefinition>(catalogStreams.assessmentForm(organization, state.form.id), asOf) : null,
      this.examEvent(state.eventId, asOf),
    ]);
    const venue = event ? await this.latestData<VenueDefinition>(catalogStreams.venue(organization, event.Venue), asOf) : null;
    const start = event ? formatInZone(event.Start, venue?.TimeZone ?? event.VenueTimeZone) : null;
    const title = event ? examEventTitle(venue?.Name ?? event.VenueName, await this.formTitles(organization, event.forms, asOf)) : null;
    return {
      RegistrationIdentifier: state.registrationId,
      RegistrationStatus: state.status,
      AttendanceStatus: null,
      EventIdentifier: state.eventId,
      EventNumber: event?.Number ?? null,
      EventFormat: event?.Format ?? null,
      EventScheduledStart: start,
      EventVenue: event?.Venue ?? null,
      AssessmentFormIdentifier: state.form?.id ?? null,
      AssessmentFormCode: form?.Code ?? state.form?.code ?? null,
      AssessmentFormName: form?.Name ?? null,
      AssessmentFormTitle: form?.Title ?? null,
      LearnerIdentifier: state.learnerId,
      LearnerCode: learner?.Code ?? null,
      LearnerName: learner?.Name ?? null,
      LearnerEmail: learner?.Email ?? null,
      LastChangeTime: new Date(last.metadata.occurredAt).toISOString(),
      LastChangeType: last.type,
      EventStart: start,
      EventTitle: title,
      EventExamType: event?.ExamType ?? null,
      EligibilityStatus: state.eligibility,
      ApprovalStatus: state.approval,
      RegistrantType: state.registrantType,
      ExamTimeLimit: state.examTimeLimit,
      Accommodations: state.accommodations.map(({ Type, Name, TimeExtension }) => ({ Type, Name, TimeExtension })),
    };
  }

  /**
   * The stream as it stood at `asOf` (inclusive): its events up to the first one recorded after
   * it. A prefix, not every event stamped before it: a command stamps its time when its request
   * arrives, so an append that waited behind another may record an earlier time than the event
   * before it, and skipping that one would fold a state the stream never had.
   */
  private async until(streamId: string, asOf: Date): Promise<StoredEvent[]> {
    const events = await this.eventStore.readStream(streamId);
    const after = events.findIndex((event) => new Date(event.metadata.occurredAt).getTime() > asOf.getTime());
    return after === -1 ? events : events.slice(0, after);
  }

  /** Catalog entries are replaced whole: the last definition at `asOf` is the entry. */
  private async latestData<T>(streamId: string, asOf: Date): Promise<T | null> {
    const last = (await this.until(streamId, asOf)).at(-1);
    return last ? (last.data as unknown as T) : null;
  }

  /** The exam event as scheduled, with the forms attached to it at `asOf`. */
  private async examEvent(eventId: string, asOf: Date): Promise<(ExamScheduledData & { forms: ExamFormAttachedData[] }) | null> {
    const history = await this.until(examEventStreamId(eventId), asOf);
    const scheduled = history.find((stored) => stored.type === 'ExamScheduled');
    if (!scheduled) return null;
    const forms = history.filter((stored) => stored.type === 'ExamFormAttached').map((stored) => stored.data as unknown as ExamFormAttachedData);
    return { ...(scheduled.data as unknown as ExamScheduledData), forms };
  }

  /** The titles `examEventTitle` needs: the only form's as it was titled at `asOf` (several show none of theirs). */
  private async formTitles(organization: string, forms: readonly ExamFormAttachedData[], asOf: Date): Promise<string[]> {
    if (forms.length !== 1) return forms.map((form) => form.FormTitle);
    const [only] = forms;
    const form = await this.latestData<AssessmentFormDefinition>(catalogStreams.assessmentForm(organization, only.FormId), asOf);
    return [form ? formTitleShown(form) : only.FormTitle];
  }
}
