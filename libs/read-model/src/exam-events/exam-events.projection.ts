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
 * sort as text) plus the venue's time zone to show them in. `exam_event_registrations`: one small
 * document per registration (its event and whether it is active), from which each event's
 * `RegistrationCount` is recounted, never incremented, so replaying an event changes nothing.
 */
export const ExamEventCollections = {
  events: {
    name: 'exam_events',
    indexes: [
      ['Organization', 'Start'],
      ['Organization', 'EventStatus', 'Start'],
    ],
  },
  registrations: { name: 'exam_event_registrations', indexes: [['EventId', 'Active']] },
} satisfies Record<string, CollectionSpec>;

const EVENTS = ExamEventCollections.events.name;
const REGISTRATIONS = ExamEventCollections.registrations.name;

export const examEventsProjection: Projection = {
  name: 'examEvents',
  collections: Object.values(ExamEventCollections),
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
          RegistrationCount: await activeOn(view, e.EventId),
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
        return placeRegistration(view, r.RegistrationId, r.Organization, r.EventId, true);
      }
      case 'RegistrationTransferred': {
        const r = event.data as unknown as RegistrationTransferredData;
        const moved = await placeRegistration(view, r.RegistrationId, event.metadata.organization, r.ToEventId, true);
        return [...moved, await recount(view, r.FromEventId, r.RegistrationId, false)];
      }
      case 'RegistrationCancelled': {
        const r = event.data as unknown as RegistrationCancelledData;
        return placeRegistration(view, r.RegistrationId, event.metadata.organization, r.EventId, false);
      }
      case 'RegistrationDeleted': {
        const r = event.data as unknown as RegistrationDeletedData;
        return [
          { kind: 'delete', collection: REGISTRATIONS, id: r.RegistrationId },
          await recount(view, r.EventId, r.RegistrationId, false),
        ];
      }
      default:
        return [];
    }
  },
};

function patchEvent(eventId: string, set: Record<string, unknown>): Change {
  return { kind: 'patch', collection: EVENTS, id: eventId, set };
}

function activeOn(view: ReadView, eventId: string): Promise<number> {
  return view.count(REGISTRATIONS, { EventId: eventId, Active: true });
}

/** Records where a registration is and whether it is active, and recounts that event. */
async function placeRegistration(
  view: ReadView,
  registrationId: string,
  organization: string,
  eventId: string,
  active: boolean,
): Promise<Change[]> {
  return [
    { kind: 'upsert', collection: REGISTRATIONS, doc: { _id: registrationId, Organization: organization, EventId: eventId, Active: active } },
    await recount(view, eventId, registrationId, active),
  ];
}

/**
 * The event's active registrations once `registrationId` is (or is not) one of them. The view
 * does not yet show the changes of the event being projected, so that registration is counted
 * by hand and every other one is read.
 */
async function recount(view: ReadView, eventId: string, registrationId: string, includesIt: boolean): Promise<Change> {
  const others = await view.count(REGISTRATIONS, { EventId: eventId, Active: true, _id: { $ne: registrationId } });
  return patchEvent(eventId, { RegistrationCount: others + (includesIt ? 1 : 0) });
}
