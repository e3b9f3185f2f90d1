import type { StoredEvent } from '../../../event-store/src/event-store.js';
import type { VenueDefinition } from '../../../domain/src/catalog/catalog.events.js';
import type {
  ExamEventCancelledData,
  ExamEventRetitledData,
  ExamScheduledData,
} from '../../../domain/src/exam-event/exam-event.events.js';
import type {
  RegistrationCancelledData,
  RegistrationDeletedData,
  RegistrationRequestedData,
  RegistrationTransferredData,
} from '../../../domain/src/registration/registration.events.js';
import type { Projection } from '../projection.js';
import type { Change, CollectionSpec, ReadView } from '../read-store.js';

/**
 * `exam_events`: one document per exam event (`_id` = event id), times as UTC ISO instants (they
 * sort as text) plus the venue's time zone to show them in (the one recorded when it was scheduled,
 * then the venue's: spec §1 shows event times in the venue's local offset), and `RegistrationCount`: the number
 * of registrations active on it, with `CountPosition`, the log position of the event that last
 * changed that number.
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
    ],
  },
  members: { name: 'exam_event_members', indexes: [] },
} satisfies Record<string, CollectionSpec>;

const EVENTS = ExamEventCollections.events.name;
const MEMBERS = ExamEventCollections.members.name;

export const examEventsProjection: Projection = {
  name: 'examEvents',
  collections: Object.values(ExamEventCollections),
  eventTypes: [
    'VenueDefined',
    'ExamScheduled',
    'ExamEventRetitled',
    'ExamEventCancelled',
    'RegistrationRequested',
    'RegistrationTransferred',
    'RegistrationCancelled',
    'RegistrationDeleted',
  ],
  async project(event: StoredEvent, view: ReadView): Promise<Change[]> {
    switch (event.type) {
      case 'VenueDefined': {
        const venue = event.data as unknown as VenueDefinition;
        // A venue redefined with the same zone (renamed, say) changes no event.
        const shownElsewhere = { Organization: venue.Organization, EventVenue: venue.VenueId, TimeZone: { $ne: venue.TimeZone } };
        return [{ kind: 'updateMany', collection: EVENTS, filter: shownElsewhere, set: { TimeZone: venue.TimeZone } }];
      }
      case 'ExamScheduled': {
        const e = event.data as unknown as ExamScheduledData;
        // Replayed, it keeps the count (and its position) the registrations left.
        const existing = await view.get(EVENTS, e.EventId);
        const doc = {
          _id: e.EventId,
          Organization: e.Organization,
          EventIdentifier: e.EventId,
          EventNumber: e.Number,
          EventTitle: e.Title,
          Start: e.Start,
          End: e.End,
          TimeZone: e.VenueTimeZone,
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
      case 'ExamEventRetitled': {
        const e = event.data as unknown as ExamEventRetitledData;
        return [patchEvent(e.EventId, { EventTitle: e.Title })];
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
