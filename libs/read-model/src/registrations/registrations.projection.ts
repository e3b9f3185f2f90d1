/**
 * The registrations read model: one document per registration (spec §5 row and retrieve fields),
 * `_id` = registration id. Deleted registrations are removed; cancelled ones stay.
 *
 * The projection keeps its own copies of the catalog and exam event data it shows (the lookup
 * collections below), so it depends on no other projection; when a learner, form, venue or exam
 * event changes, every row that shows it is updated. A venue shows in a row as the offset of its
 * event's times (spec §1: the venue's local offset), so a venue's new time zone re-renders them.
 */
import type { StoredEvent } from '../../../event-store/src/event-store.js';
import type { AssessmentFormDefinition, LearnerDefinition, VenueDefinition } from '../../../domain/src/catalog/catalog.events.js';
import type { ExamEventRetitledData, ExamScheduledData } from '../../../domain/src/exam-event/exam-event.events.js';
import type { Accommodation, RegistrationEvent } from '../../../domain/src/registration/registration.events.js';
import { formatInZone } from '../../../domain/src/shared/time.js';
import { catalogKey } from '../catalog/catalog.projection.js';
import { REGISTRATION_DETAIL_FIELDS, REGISTRATION_ROW_FIELDS } from './registration-fields.js';
import type { Projection } from '../projection.js';
import type { Change, CollectionSpec, Doc, Filter, ReadView } from '../read-store.js';

/** The search row (spec §5) of a registration. */
export const REGISTRATION_ROW_VIEW = 'row';
/** A registration as retrieve shows it (spec §5). */
export const REGISTRATION_DETAIL_VIEW = 'detail';

export const RegistrationCollections = {
  registrations: {
    name: 'registrations',
    indexes: [
      // Newest change first, then id: the order search pages are read in. The text fields ride
      // along, so a search for a common needle tests them on the index alone, without the rows.
      ['Organization', '-LastChangeTime', '_id', 'LearnerName', 'LearnerEmail', 'LearnerCode'],
      ['Organization', 'EventIdentifier'],
      ['Organization', 'LearnerIdentifier'],
      ['Organization', 'AssessmentFormIdentifier'],
    ],
    textFields: ['LearnerName', 'LearnerEmail', 'LearnerCode'],
    // Searches show the newest change first: their pages read the newest rows' text index first.
    recentBy: 'LastChangeTime',
    // A search page and a retrieve answer are these fields exactly: kept rendered, they are sent
    // without parsing documents.
    views: { [REGISTRATION_ROW_VIEW]: REGISTRATION_ROW_FIELDS, [REGISTRATION_DETAIL_VIEW]: REGISTRATION_DETAIL_FIELDS },
  },
  /** Exam events as the rows show them, by event id (ids are global). */
  events: { name: 'registrations_events', indexes: [] },
  /** Learners by `catalogKey(org, id)`. */
  learners: { name: 'registrations_learners', indexes: [] },
  /** Assessment forms by `catalogKey(org, id)`. */
  forms: { name: 'registrations_forms', indexes: [] },
} satisfies Record<string, CollectionSpec>;

const ROWS = RegistrationCollections.registrations.name;

export const registrationsProjection: Projection = {
  name: 'registrations',
  collections: Object.values(RegistrationCollections),
  // A registration's events change its row alone; catalog and exam events change the lookup copies
  // and, through `updateMany`, whichever rows show them (a venue's: the rows of each of its events).
  partitioning: { streamPrefix: 'registration-', collections: [ROWS] },
  async project(event: StoredEvent, view: ReadView): Promise<Change[]> {
    switch (event.type) {
      case 'LearnerDefined':
        return learnerDefined(event.data as unknown as LearnerDefinition);
      case 'AssessmentFormDefined':
        return formDefined(event.data as unknown as AssessmentFormDefinition);
      case 'VenueDefined':
        return venueDefined(event.data as unknown as VenueDefinition, view);
      case 'ExamScheduled':
        return examScheduled(event.data as unknown as ExamScheduledData);
      case 'ExamEventRetitled': {
        const { EventId, Title } = event.data as unknown as ExamEventRetitledData;
        return [
          { kind: 'patch', collection: RegistrationCollections.events.name, id: EventId, set: { EventTitle: Title } },
          { kind: 'updateMany', collection: ROWS, filter: eventRows(event, EventId), set: { EventTitle: Title } },
        ];
      }
      default:
        if (event.streamId.startsWith('registration-')) return registrationChanged(event, view);
        return [];
    }
  },
};

function learnerDefined(learner: LearnerDefinition): Change[] {
  return followCatalogEntry(
    RegistrationCollections.learners.name,
    catalogKey(learner.Organization, learner.LearnerId),
    { Organization: learner.Organization, LearnerIdentifier: learner.LearnerId },
    { LearnerName: learner.Name, LearnerEmail: learner.Email, LearnerCode: learner.Code },
  );
}

function formDefined(form: AssessmentFormDefinition): Change[] {
  return followCatalogEntry(
    RegistrationCollections.forms.name,
    catalogKey(form.Organization, form.FormId),
    { Organization: form.Organization, AssessmentFormIdentifier: form.FormId },
    { AssessmentFormCode: form.Code, AssessmentFormName: form.Name, AssessmentFormTitle: form.Title },
  );
}

/** Keeps this projection's own copy of a catalog entry and shows its fields on every row using it. */
function followCatalogEntry(copies: string, key: string, rows: Filter, fields: Record<string, unknown>): Change[] {
  return [
    { kind: 'upsert', collection: copies, doc: { _id: key, ...fields } },
    { kind: 'updateMany', collection: ROWS, filter: rows, set: fields },
  ];
}

/**
 * Shows the times of the venue's exam events in its time zone (the same instants) on their rows,
 * where they are shown in another. A venue redefined with the same zone (renamed, say) changes no
 * row. (An exam event is scheduled in the zone its venue has then: ExamScheduled records it.)
 */
async function venueDefined(venue: VenueDefinition, view: ReadView): Promise<Change[]> {
  const events = await view.find(RegistrationCollections.events.name, { Organization: venue.Organization, EventVenue: venue.VenueId });
  const rows: Change[] = [];
  const copies: Change[] = [];
  for (const event of events) {
    const start = formatInZone(event.EventStart as string, venue.TimeZone);
    if (start === event.EventStart) continue;
    const times = { EventScheduledStart: start, EventStart: start };
    rows.push({ kind: 'updateMany', collection: ROWS, filter: { Organization: venue.Organization, EventIdentifier: event._id }, set: times });
    copies.push({ kind: 'patch', collection: RegistrationCollections.events.name, id: event._id, set: times });
  }
  // The rows first: MongoDB writes a batch collection by collection, in the order of their first
  // change, and a replay after a crash between the two finds the rows to do only while the copies
  // still differ.
  return [...rows, ...copies];
}

function examScheduled(data: ExamScheduledData): Change[] {
  const fields = eventFields(data);
  return [
    {
      kind: 'upsert',
      collection: RegistrationCollections.events.name,
      doc: { _id: data.EventId, Organization: data.Organization, ...fields },
    },
    // Normally no row names the event yet; this keeps rows right if one was projected first.
    {
      kind: 'updateMany',
      collection: ROWS,
      filter: { Organization: data.Organization, EventIdentifier: data.EventId },
      set: fields,
    },
  ];
}

/** The row fields that come from the exam event. Its times are shown in the venue's offset. */
function eventFields(data: ExamScheduledData) {
  const start = formatInZone(data.Start, data.VenueTimeZone);
  return {
    EventNumber: data.Number,
    EventFormat: data.Format,
    EventScheduledStart: start,
    EventStart: start,
    EventVenue: data.Venue,
    EventTitle: data.Title,
    EventExamType: data.ExamType,
  };
}

const NO_EVENT = {
  EventNumber: null,
  EventFormat: null,
  EventScheduledStart: null,
  EventStart: null,
  EventVenue: null,
  EventTitle: null,
  EventExamType: null,
};

async function eventOf(view: ReadView, eventId: string): Promise<Record<string, unknown>> {
  const doc = await view.get(RegistrationCollections.events.name, eventId);
  if (doc === null) return { EventIdentifier: eventId, ...NO_EVENT };
  const { _id, Organization: _organization, ...fields } = doc;
  return { EventIdentifier: eventId, ...fields };
}

function eventRows(event: StoredEvent, eventId: string) {
  return { Organization: event.metadata.organization, EventIdentifier: eventId };
}

/**
 * The time of a change, normalised so that rows sort by it as text. A command's events share one
 * timestamp, so the last one is remembered (parsing a date costs more than the rest of a patch).
 */
function changeTime(occurredAt: string): string {
  if (occurredAt !== lastChangeTime.occurredAt) lastChangeTime = { occurredAt, iso: new Date(occurredAt).toISOString() };
  return lastChangeTime.iso;
}
let lastChangeTime = { occurredAt: '', iso: '' };

async function registrationChanged(stored: StoredEvent, view: ReadView): Promise<Change[]> {
  const event = { type: stored.type, data: stored.data } as RegistrationEvent;
  const id = event.data.RegistrationId;
  const lastChange = { LastChangeTime: changeTime(stored.metadata.occurredAt), LastChangeType: stored.type };
  // `set` is always a fresh literal: completed in place rather than copied by a spread.
  const patch = (set: Record<string, unknown>): Change[] => [
    { kind: 'patch', collection: ROWS, id, set: Object.assign(set, lastChange) },
  ];
  switch (event.type) {
    case 'RegistrationRequested': {
      const { data } = event;
      const learner = await view.get(RegistrationCollections.learners.name, catalogKey(data.Organization, data.LearnerId));
      const doc: Doc = {
        _id: id,
        Organization: data.Organization,
        Passcode: data.Passcode,
        RegistrationIdentifier: id,
        RegistrationStatus: data.Status,
        AttendanceStatus: null,
        ...(await eventOf(view, data.EventId)),
        AssessmentFormIdentifier: null,
        AssessmentFormCode: null,
        AssessmentFormName: null,
        AssessmentFormTitle: null,
        LearnerIdentifier: data.LearnerId,
        LearnerCode: learner?.LearnerCode ?? null,
        LearnerName: learner?.LearnerName ?? null,
        LearnerEmail: learner?.LearnerEmail ?? null,
        ...lastChange,
        EligibilityStatus: null,
        ApprovalStatus: null,
        RegistrantType: null,
        ExamTimeLimit: null,
        Accommodations: [],
      };
      return [{ kind: 'upsert', collection: ROWS, doc }];
    }
    case 'ExamFormAssigned': {
      const row = await view.get(ROWS, id);
      if (row === null) return [];
      const form = await view.get(
        RegistrationCollections.forms.name,
        catalogKey(row.Organization as string, event.data.FormId),
      );
      return patch({
        AssessmentFormIdentifier: event.data.FormId,
        AssessmentFormCode: form?.AssessmentFormCode ?? event.data.FormCode,
        AssessmentFormName: form?.AssessmentFormName ?? null,
        AssessmentFormTitle: form?.AssessmentFormTitle ?? null,
      });
    }
    case 'EligibilityChanged':
      return patch({ EligibilityStatus: event.data.EligibilityStatus });
    case 'ApprovalChanged':
      return patch({ ApprovalStatus: event.data.ApprovalStatus });
    case 'RegistrantTypeChanged':
      return patch({ RegistrantType: event.data.RegistrantType });
    case 'AccommodationGranted': {
      const { Type, Name, TimeExtension } = event.data;
      const held = await accommodationsOf(view, id);
      const granted = { Type, Name, TimeExtension };
      // A granted type replaces the one held where it stands (as the registration's state does).
      const next = held.some((a) => a.Type === Type) ? held.map((a) => (a.Type === Type ? granted : a)) : [...held, granted];
      return patch({ Accommodations: next });
    }
    case 'AccommodationRevoked': {
      const held = await accommodationsOf(view, id);
      return patch({ Accommodations: held.filter((a) => a.Type !== event.data.Type) });
    }
    case 'ExamTimeLimited':
      return patch({ ExamTimeLimit: event.data.ExamTimeLimit });
    case 'RegistrationTransferred':
      return patch(await eventOf(view, event.data.ToEventId));
    case 'RegistrationCancelled':
      return patch({ RegistrationStatus: 'Cancelled' });
    case 'RegistrationDeleted':
      return [{ kind: 'delete', collection: ROWS, id }];
    default:
      return [];
  }
}

async function accommodationsOf(view: ReadView, id: string): Promise<Accommodation[]> {
  const row = await view.get(ROWS, id);
  return (row?.Accommodations as Accommodation[] | undefined) ?? [];
}
