/**
 * The registrations read model: one document per registration (spec §5 row and retrieve fields),
 * `_id` = registration id. Deleted registrations are removed; cancelled ones stay.
 *
 * The projection keeps its own copies of the catalog and exam event data it shows (the lookup
 * collections below), so it depends on no other projection; when a learner, form, venue or exam
 * event changes, every row that shows it is updated. A venue shows in a row as the offset of its
 * event's times (spec §1: the venue's local offset) and in its event's title, so a venue's new time
 * zone or name re-renders them; a form's new title re-renders the titles of the events it is the
 * only form of (exam-event-title-parts.ts).
 */
import type { StoredEvent } from '../../../event-store/src/event-store.js';
import type { AssessmentFormDefinition, LearnerDefinition, VenueDefinition } from '../../../domain/src/catalog/catalog.events.js';
import { formTitleShown } from '../../../domain/src/exam-event/exam-event-title.js';
import type { ExamFormAttachedData, ExamScheduledData } from '../../../domain/src/exam-event/exam-event.events.js';
import type { Accommodation, RegistrationEvent } from '../../../domain/src/registration/registration.events.js';
import { formatInZone } from '../../../domain/src/shared/time.js';
import { catalogKey } from '../catalog/catalog.projection.js';
import { scheduledTitle, type TitleFields, titleWithForm, titleWithFormTitle, titleWithVenueName } from '../exam-event-title-parts.js';
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
  /** Exam events as the rows show them, with their titles' parts, by event id (ids are global). */
  events: {
    name: 'registrations_events',
    // A venue's or a form's change finds the events it shows in.
    indexes: [
      ['Organization', 'EventVenue'],
      ['Organization', 'TitleFormId'],
    ],
  },
  /** Venue names and time zones by `catalogKey(org, id)`. */
  venues: { name: 'registrations_venues', indexes: [] },
  /** Learners by `catalogKey(org, id)`. */
  learners: { name: 'registrations_learners', indexes: [] },
  /** Assessment forms by `catalogKey(org, id)`. */
  forms: { name: 'registrations_forms', indexes: [] },
} satisfies Record<string, CollectionSpec>;

const ROWS = RegistrationCollections.registrations.name;
const EVENTS = RegistrationCollections.events.name;
const FORMS = RegistrationCollections.forms.name;
const VENUES = RegistrationCollections.venues.name;

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
        return formDefined(event.data as unknown as AssessmentFormDefinition, view);
      case 'VenueDefined':
        return venueDefined(event.data as unknown as VenueDefinition, view);
      case 'ExamScheduled':
        return examScheduled(event.data as unknown as ExamScheduledData, view);
      case 'ExamFormAttached':
        return formAttached(event.data as unknown as ExamFormAttachedData, view);
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

/** The form's fields on every row that holds it, and its title in the titles of the events it is the only form of. */
async function formDefined(form: AssessmentFormDefinition, view: ReadView): Promise<Change[]> {
  const changes = followCatalogEntry(
    FORMS,
    catalogKey(form.Organization, form.FormId),
    { Organization: form.Organization, AssessmentFormIdentifier: form.FormId },
    { AssessmentFormCode: form.Code, AssessmentFormName: form.Name, AssessmentFormTitle: form.Title },
  );
  const shown = formTitleShown(form);
  const events = await view.find(EVENTS, { Organization: form.Organization, TitleFormId: form.FormId, TitlePart: { $ne: shown } });
  return [...changes, ...retitled(form.Organization, events, (event) => titleWithFormTitle(event, shown))];
}

/**
 * The new titles of `events` (null: unchanged) on their rows, then on the events' copies: MongoDB
 * writes a batch collection by collection, in the order of their first change, and a replay after a
 * crash between the two finds the rows to do only while the copies still differ.
 */
function retitled(organization: string, events: readonly Doc[], titleOf: (event: Doc) => TitleFields | null): Change[] {
  const rows: Change[] = [];
  const copies: Change[] = [];
  for (const event of events) {
    const title = titleOf(event);
    if (title === null) continue;
    rows.push({ kind: 'updateMany', collection: ROWS, filter: { Organization: organization, EventIdentifier: event._id }, set: { EventTitle: title.EventTitle } });
    copies.push({ kind: 'patch', collection: EVENTS, id: event._id, set: title });
  }
  return [...rows, ...copies];
}

/** Keeps this projection's own copy of a catalog entry and shows its fields on every row using it. */
function followCatalogEntry(copies: string, key: string, rows: Filter, fields: Record<string, unknown>): Change[] {
  return [
    { kind: 'upsert', collection: copies, doc: { _id: key, ...fields } },
    { kind: 'updateMany', collection: ROWS, filter: rows, set: fields },
  ];
}

/**
 * Keeps the venue's name, and shows the times of its exam events in its time zone (the same
 * instants) and its name in their titles, on their rows and copies, where they show others. A
 * venue redefined with the same name and zone changes no row. (An exam event scheduled later shows
 * the zone of this copy, not always the one its ExamScheduled records: see `examScheduled`.)
 */
async function venueDefined(venue: VenueDefinition, view: ReadView): Promise<Change[]> {
  const copy: Change = {
    kind: 'upsert',
    collection: VENUES,
    doc: { _id: catalogKey(venue.Organization, venue.VenueId), Name: venue.Name, TimeZone: venue.TimeZone },
  };
  const events = await view.find(EVENTS, { Organization: venue.Organization, EventVenue: venue.VenueId });
  const rows: Change[] = [];
  const copies: Change[] = [];
  for (const event of events) {
    const start = formatInZone(event.EventStart as string, venue.TimeZone);
    const times = start === event.EventStart ? null : { EventScheduledStart: start, EventStart: start };
    const title = titleWithVenueName(event, venue.Name);
    if (times === null && title === null) continue;
    const shown = { ...times, ...(title && { EventTitle: title.EventTitle }) };
    rows.push({ kind: 'updateMany', collection: ROWS, filter: { Organization: venue.Organization, EventIdentifier: event._id }, set: shown });
    copies.push({ kind: 'patch', collection: EVENTS, id: event._id, set: { ...times, ...title } });
  }
  // The rows first: see `retitled`.
  return [copy, ...rows, ...copies];
}

async function examScheduled(data: ExamScheduledData, view: ReadView): Promise<Change[]> {
  const venue = await view.get(VENUES, catalogKey(data.Organization, data.Venue));
  const title = scheduledTitle((venue?.Name as string | undefined) ?? data.VenueName);
  // The venue's zone as of the log so far: ExamScheduled records the zone the scheduler read, and a
  // VenueDefined appended between that read and this append is already in the copy.
  const fields = eventFields(data, title.EventTitle, (venue?.TimeZone as string | undefined) ?? data.VenueTimeZone);
  return [
    {
      kind: 'upsert',
      collection: EVENTS,
      doc: { _id: data.EventId, Organization: data.Organization, ...fields, ...title },
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

/** A form attached to an exam event may change its title (spec §3). */
async function formAttached(data: ExamFormAttachedData, view: ReadView): Promise<Change[]> {
  const event = await view.get(EVENTS, data.EventId);
  if (event === null) return [];
  const organization = event.Organization as string;
  const form = await view.get(FORMS, catalogKey(organization, data.FormId));
  const formTitle = form
    ? formTitleShown({ Title: form.AssessmentFormTitle as string | null, Name: form.AssessmentFormName as string | null, Code: form.AssessmentFormCode as string })
    : data.FormTitle;
  return retitled(organization, [event], (doc) => titleWithForm(doc, data.FormId, formTitle));
}

/** The row fields that come from the exam event. Its times are shown in the venue's offset. */
function eventFields(data: ExamScheduledData, title: string, timeZone: string) {
  const start = formatInZone(data.Start, timeZone);
  return {
    EventNumber: data.Number,
    EventFormat: data.Format,
    EventScheduledStart: start,
    EventStart: start,
    EventVenue: data.Venue,
    EventTitle: title,
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
const EVENT_ROW_FIELDS = Object.keys(NO_EVENT);

async function eventOf(view: ReadView, eventId: string): Promise<Record<string, unknown>> {
  const doc = await view.get(EVENTS, eventId);
  const fields: Record<string, unknown> = { EventIdentifier: eventId, ...NO_EVENT };
  // The row fields only: the copy also holds its title's parts.
  if (doc !== null) for (const field of EVENT_ROW_FIELDS) fields[field] = doc[field];
  return fields;
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
        FORMS,
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
