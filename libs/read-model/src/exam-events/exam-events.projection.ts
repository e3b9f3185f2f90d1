import type { StoredEvent } from '../../../event-store/src/event-store.js';
import type { AssessmentFormDefinition, VenueDefinition } from '../../../domain/src/catalog/catalog.events.js';
import { formTitleShown } from '../../../domain/src/exam-event/exam-event-title.js';
import type {
  ExamEventCancelledData,
  ExamFormAttachedData,
  ExamScheduledData,
} from '../../../domain/src/exam-event/exam-event.events.js';
import type {
  RegistrationCancelledData,
  RegistrationDeletedData,
  RegistrationRequestedData,
  RegistrationTransferredData,
} from '../../../domain/src/registration/registration.events.js';
import { catalogKey } from '../catalog/catalog.projection.js';
import { scheduledTitle, titleWithForm, titleWithFormTitle, titleWithVenueName } from '../exam-event-title-parts.js';
import type { Projection } from '../projection.js';
import type { Change, CollectionSpec, ReadView } from '../read-store.js';

/**
 * `exam_events`: one document per exam event (`_id` = event id), times as UTC ISO instants (they
 * sort as text) plus the venue's time zone to show them in (the one recorded when it was scheduled,
 * then the venue's: spec §1 shows event times in the venue's local offset), and `RegistrationCount`: the number
 * of registrations active on it, with `CountPosition`, the log position of the event that last
 * changed that number. `EventTitle` is composed from the venue's current name and the attached
 * forms' current titles, whose parts the document keeps (exam-event-title-parts.ts).
 *
 * `exam_event_members`: one small document per registration active on an event (`_id` = event id
 * + '/' + registration id), so adding or removing one is idempotent: a registration writes it and
 * the event's count, never a list of every registration on the event. No count query per change.
 *
 * A replayed event finds its member already placed and changes nothing. MongoDB may have applied
 * part of an event's changes before a crash: it writes a batch's changes collection by collection,
 * in the order they first came, and every placement (a transfer's two included) lists the
 * counts first, so a member written implies its count written; a count written without its member shows its position, and the
 * replay then writes the member without counting it twice.
 */
export const ExamEventCollections = {
  events: {
    name: 'exam_events',
    indexes: [
      ['Organization', 'Start'],
      ['Organization', 'EventStatus', 'Start'],
      // A venue's or a form's change finds the events whose title shows it.
      ['Organization', 'EventVenue'],
      ['Organization', 'TitleFormId'],
    ],
  },
  members: { name: 'exam_event_members', indexes: [] },
  /** Copies of venue names and zones and of what event titles show for forms, by `catalogKey(org, id)`, as of the log so far. */
  venues: { name: 'exam_event_venues', indexes: [] },
  forms: { name: 'exam_event_forms', indexes: [] },
} satisfies Record<string, CollectionSpec>;

const EVENTS = ExamEventCollections.events.name;
const MEMBERS = ExamEventCollections.members.name;
const VENUES = ExamEventCollections.venues.name;
const FORMS = ExamEventCollections.forms.name;

export const examEventsProjection: Projection = {
  name: 'examEvents',
  collections: Object.values(ExamEventCollections),
  eventTypes: [
    'VenueDefined',
    'AssessmentFormDefined',
    'ExamScheduled',
    'ExamFormAttached',
    'ExamEventCancelled',
    'RegistrationRequested',
    'RegistrationTransferred',
    'RegistrationCancelled',
    'RegistrationDeleted',
  ],
  async project(event: StoredEvent, view: ReadView): Promise<Change[]> {
    switch (event.type) {
      case 'VenueDefined':
        return venueDefined(event.data as unknown as VenueDefinition, view);
      case 'AssessmentFormDefined':
        return formDefined(event.data as unknown as AssessmentFormDefinition, view);
      case 'ExamScheduled': {
        const e = event.data as unknown as ExamScheduledData;
        // Replayed, it keeps the count (and its position) the registrations left; the title's forms are
        // attached again by the events that follow it, replayed too.
        const existing = await view.get(EVENTS, e.EventId);
        const venue = await view.get(VENUES, catalogKey(e.Organization, e.Venue));
        const doc = {
          _id: e.EventId,
          Organization: e.Organization,
          EventIdentifier: e.EventId,
          EventNumber: e.Number,
          ...scheduledTitle((venue?.Name as string | undefined) ?? e.VenueName),
          Start: e.Start,
          End: e.End,
          // The venue's zone as of the log so far: a VenueDefined appended between the scheduler's
          // read of the venue and this append is already in the copy.
          TimeZone: (venue?.TimeZone as string | undefined) ?? e.VenueTimeZone,
          EventVenue: e.Venue,
          EventExamType: e.ExamType,
          EventFormat: e.Format,
          EventBillingCode: e.BillingCode,
          EventStatus: e.Status,
          RegistrationLimit: e.RegistrationLimit,
          RegistrationCount: (existing?.RegistrationCount as number | undefined) ?? 0,
          ...(existing?.CountPosition !== undefined && { CountPosition: existing.CountPosition }),
        };
        return [{ kind: 'upsert', collection: EVENTS, doc }];
      }
      case 'ExamFormAttached': {
        const e = event.data as unknown as ExamFormAttachedData;
        const doc = await view.get(EVENTS, e.EventId);
        if (doc === null) return [];
        const form = await view.get(FORMS, catalogKey(doc.Organization as string, e.FormId));
        const title = titleWithForm(doc, e.FormId, (form?.Title as string | undefined) ?? e.FormTitle);
        return title === null ? [] : [patchEvent(e.EventId, title)];
      }
      case 'ExamEventCancelled': {
        const e = event.data as unknown as ExamEventCancelledData;
        return [patchEvent(e.EventId, { EventStatus: 'Cancelled' })];
      }
      case 'RegistrationRequested': {
        const r = event.data as unknown as RegistrationRequestedData;
        return place(view, event.position, r.RegistrationId, r.EventId, true);
      }
      case 'RegistrationTransferred': {
        const r = event.data as unknown as RegistrationTransferredData;
        // Both events are read before either change applies, so they must be different events.
        if (r.FromEventId === r.ToEventId) return [];
        const changes = [
          ...(await place(view, event.position, r.RegistrationId, r.FromEventId, false)),
          ...(await place(view, event.position, r.RegistrationId, r.ToEventId, true)),
        ];
        // Both counts before either member (see the ordering note at the top): a replay that
        // finds one side counted already places only its member, which must not come first.
        return [...changes.filter((c) => c.collection === EVENTS), ...changes.filter((c) => c.collection !== EVENTS)];
      }
      case 'RegistrationCancelled': {
        const r = event.data as unknown as RegistrationCancelledData;
        return place(view, event.position, r.RegistrationId, r.EventId, false);
      }
      case 'RegistrationDeleted': {
        const r = event.data as unknown as RegistrationDeletedData;
        return place(view, event.position, r.RegistrationId, r.EventId, false);
      }
      default:
        return [];
    }
  },
};

/**
 * Keeps the venue's name and shows it in the titles of its events, and takes the venue's zone onto
 * each of its events that shows another. A venue redefined with the same name and zone changes no event.
 */
async function venueDefined(venue: VenueDefinition, view: ReadView): Promise<Change[]> {
  const changes: Change[] = [
    { kind: 'upsert', collection: VENUES, doc: { _id: catalogKey(venue.Organization, venue.VenueId), Name: venue.Name, TimeZone: venue.TimeZone } },
  ];
  const ofVenue = { Organization: venue.Organization, EventVenue: venue.VenueId };
  for (const doc of await view.find(EVENTS, { ...ofVenue, VenueName: { $ne: venue.Name } })) {
    const title = titleWithVenueName(doc, venue.Name);
    if (title !== null) changes.push(patchEvent(doc._id, title));
  }
  changes.push({ kind: 'updateMany', collection: EVENTS, filter: { ...ofVenue, TimeZone: { $ne: venue.TimeZone } }, set: { TimeZone: venue.TimeZone } });
  return changes;
}

/** Keeps the title a form shows and shows it in the titles of the events it is the only form of. */
async function formDefined(form: AssessmentFormDefinition, view: ReadView): Promise<Change[]> {
  const shown = formTitleShown(form);
  const changes: Change[] = [{ kind: 'upsert', collection: FORMS, doc: { _id: catalogKey(form.Organization, form.FormId), Title: shown } }];
  for (const doc of await view.find(EVENTS, { Organization: form.Organization, TitleFormId: form.FormId, TitlePart: { $ne: shown } })) {
    const title = titleWithFormTitle(doc, shown);
    if (title !== null) changes.push(patchEvent(doc._id, title));
  }
  return changes;
}

function patchEvent(eventId: string, set: Record<string, unknown>): Change {
  return { kind: 'patch', collection: EVENTS, id: eventId, set };
}

/**
 * Makes the registration a member of the event (or no longer one), and counts the change once.
 * `position`: the log position of the event being projected. The event document exists: the
 * command side appends an event's `ExamScheduled` before any registration can name it.
 */
async function place(view: ReadView, position: bigint, registrationId: string, eventId: string, active: boolean): Promise<Change[]> {
  const memberId = `${eventId}/${registrationId}`;
  if (((await view.get(MEMBERS, memberId)) !== null) === active) return [];
  const changes: Change[] = [];
  const event = await view.get(EVENTS, eventId);
  // Counted already: a crash left this event's count written and its member not (see above).
  const counted = event?.CountPosition !== undefined && BigInt(event.CountPosition as string) >= position;
  if (!counted) {
    const before = (event?.RegistrationCount as number | undefined) ?? 0;
    // The count before the member: see the ordering note at the top.
    changes.push(patchEvent(eventId, { RegistrationCount: before + (active ? 1 : -1), CountPosition: String(position) }));
  }
  changes.push(active ? { kind: 'upsert', collection: MEMBERS, doc: { _id: memberId } } : { kind: 'delete', collection: MEMBERS, id: memberId });
  return changes;
}
