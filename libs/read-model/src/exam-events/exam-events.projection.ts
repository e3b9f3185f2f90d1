import type { StoredEvent } from '../../../event-store/src/event-store.js';
import type {
  ExamCapacityAdjustedData,
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
 * sort as text) plus the venue's time zone to show them in. `exam_event_rosters`: per event, the
 * ids of its active registrations. Adding or removing an id is idempotent, so replaying an event
 * changes nothing, and `RegistrationCount` is the roster's length: no count query per change.
 */
export const ExamEventCollections = {
  events: {
    name: 'exam_events',
    indexes: [
      ['Organization', 'Start'],
      ['Organization', 'EventStatus', 'Start'],
    ],
  },
  rosters: { name: 'exam_event_rosters', indexes: [] },
} satisfies Record<string, CollectionSpec>;

const EVENTS = ExamEventCollections.events.name;
const ROSTERS = ExamEventCollections.rosters.name;

export const examEventsProjection: Projection = {
  name: 'examEvents',
  collections: Object.values(ExamEventCollections),
  eventTypes: [
    'ExamScheduled',
    'ExamEventRetitled',
    'ExamCapacityAdjusted',
    'ExamEventCancelled',
    'RegistrationRequested',
    'RegistrationTransferred',
    'RegistrationCancelled',
    'RegistrationDeleted',
  ],
  async project(event: StoredEvent, view: ReadView): Promise<Change[]> {
    switch (event.type) {
      case 'ExamScheduled': {
        const e = event.data as unknown as ExamScheduledData;
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
          RegistrationCount: (await rosterOf(view, e.EventId)).length,
        };
        return [{ kind: 'upsert', collection: EVENTS, doc }];
      }
      case 'ExamEventRetitled': {
        const e = event.data as unknown as ExamEventRetitledData;
        return [patchEvent(e.EventId, { EventTitle: e.Title })];
      }
      case 'ExamCapacityAdjusted': {
        const e = event.data as unknown as ExamCapacityAdjustedData;
        return [patchEvent(e.EventId, { RegistrationLimit: e.RegistrationLimit })];
      }
      case 'ExamEventCancelled': {
        const e = event.data as unknown as ExamEventCancelledData;
        return [patchEvent(e.EventId, { EventStatus: 'Cancelled' })];
      }
      case 'RegistrationRequested': {
        const r = event.data as unknown as RegistrationRequestedData;
        return place(view, r.RegistrationId, r.EventId, true);
      }
      case 'RegistrationTransferred': {
        const r = event.data as unknown as RegistrationTransferredData;
        // Both rosters are read before either change applies, so they must be different events.
        if (r.FromEventId === r.ToEventId) return [];
        return [...(await place(view, r.RegistrationId, r.FromEventId, false)), ...(await place(view, r.RegistrationId, r.ToEventId, true))];
      }
      case 'RegistrationCancelled': {
        const r = event.data as unknown as RegistrationCancelledData;
        return place(view, r.RegistrationId, r.EventId, false);
      }
      case 'RegistrationDeleted': {
        const r = event.data as unknown as RegistrationDeletedData;
        return place(view, r.RegistrationId, r.EventId, false);
      }
      default:
        return [];
    }
  },
};

function patchEvent(eventId: string, set: Record<string, unknown>): Change {
  return { kind: 'patch', collection: EVENTS, id: eventId, set };
}

/** The ids of the event's active registrations. */
export async function rosterOf(view: ReadView, eventId: string): Promise<readonly string[]> {
  return ((await view.get(ROSTERS, eventId))?.Active as string[] | undefined) ?? [];
}

/** Adds the registration to (or removes it from) the event's roster, and shows the new count. */
async function place(view: ReadView, registrationId: string, eventId: string, active: boolean): Promise<Change[]> {
  const roster = await rosterOf(view, eventId);
  if (roster.includes(registrationId) === active) return [];
  const next = active ? [...roster, registrationId] : roster.filter((id) => id !== registrationId);
  return [
    { kind: 'upsert', collection: ROSTERS, doc: { _id: eventId, Active: next } },
    patchEvent(eventId, { RegistrationCount: next.length }),
  ];
}
