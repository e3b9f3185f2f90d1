import {
  addMinutes,
  formatInZone,
  isStorableInstant,
  localPeriodWindow,
  type LocalPeriod,
  spanOverlapsWindow,
} from '../../../domain/src/shared/time.js';
import type { Doc, Filter, ReadView } from '../read-store.js';
import { ExamEventCollections } from './exam-events.projection.js';

/** An exam event as `list-events` (and cancel) shows it (spec §3). */
export interface ExamEventListing {
  EventIdentifier: string;
  EventNumber: number;
  EventTitle: string;
  EventStart: string;
  EventEnd: string;
  EventVenue: string;
  EventExamType: string;
  EventFormat: string;
  EventBillingCode: string;
  EventStatus: string;
  RegistrationLimit: number | null;
  RegistrationCount: number;
}

/** An exam event as the anonymous `classes` listing shows it: nothing about learners. */
export interface ClassListing {
  Identifier: string;
  Title: string;
  Start: string;
  EventExamType: string;
  EventFormat: string;
  RegistrationLimit: number | null;
  IsFull: boolean;
}

/** One page of scrap paper: an active, eligible registration on the event. */
export interface ScrapPaperSheet {
  LearnerName: string | null;
  LearnerCode: string | null;
  Passcode: string;
}

/** The registrations read model (owned by the registrations projection). */
const REGISTRATIONS = 'registrations';
const EVENTS = ExamEventCollections.events.name;
// No time zone is more than 14 hours from UTC, so a local day or month lies within a day of its UTC one.
const ZONE_MARGIN_MINUTES = 24 * 60;
const byName = new Intl.Collator('en', { sensitivity: 'base' });

export class ExamEventQueries {
  constructor(private readonly view: ReadView) {}

  /** The organization's event, or null when it does not exist or is another organization's. */
  async get(organization: string, eventId: string): Promise<ExamEventListing | null> {
    const doc = await this.find(organization, eventId);
    return doc ? listing(doc) : null;
  }

  /** Events whose [start, end] overlaps the local day or month in their venue's time zone. */
  async listEvents(organization: string, period: LocalPeriod): Promise<ExamEventListing[]> {
    const utc = localPeriodWindow(period, 'UTC');
    const candidates = await this.view.find(
      EVENTS,
      overlapping(organization, addMinutes(utc.start, -ZONE_MARGIN_MINUTES), addMinutes(utc.end, ZONE_MARGIN_MINUTES)),
    );
    return candidates
      .filter((doc) =>
        spanOverlapsWindow(
          { start: new Date(doc.Start as string), end: new Date(doc.End as string) },
          localPeriodWindow(period, doc.TimeZone as string),
        ),
      )
      .sort(byStartThenNumber)
      .map(listing);
  }

  /** Non-cancelled events that start after `now`, soonest first. */
  async classes(organization: string, now: Date): Promise<ClassListing[]> {
    const docs = await this.view.find(
      EVENTS,
      // Instants are stored to the millisecond, so "after now" is "from the next millisecond on".
      { Organization: organization, EventStatus: 'Scheduled', Start: { $gte: new Date(now.getTime() + 1).toISOString() } },
      { sort: [['Start', 1], ['EventNumber', 1]] },
    );
    return docs.map((doc) => {
      const limit = doc.RegistrationLimit as number | null;
      return {
        Identifier: doc.EventIdentifier as string,
        Title: doc.EventTitle as string,
        Start: formatInZone(doc.Start as string, doc.TimeZone as string),
        EventExamType: doc.EventExamType as string,
        EventFormat: doc.EventFormat as string,
        RegistrationLimit: limit,
        IsFull: limit !== null && (doc.RegistrationCount as number) >= limit,
      };
    });
  }

  /** Registrations on the event that are neither cancelled nor deleted. */
  async activeRegistrations(eventId: string): Promise<number> {
    return ((await this.view.get(EVENTS, eventId))?.RegistrationCount as number | undefined) ?? 0;
  }

  /** The active, eligible registrations on the organization's event, by learner name. */
  async scrapPaperSheets(organization: string, eventId: string): Promise<ScrapPaperSheet[]> {
    const docs = await this.view.find(REGISTRATIONS, {
      Organization: organization,
      EventIdentifier: eventId,
      RegistrationStatus: 'Registered',
      EligibilityStatus: 'Eligible',
    });
    // As people read names (case and accents aside), the same in both read stores.
    docs.sort((a, b) => byName.compare((a.LearnerName as string | null) ?? '', (b.LearnerName as string | null) ?? ''));
    return docs.map((doc) => ({
      LearnerName: (doc.LearnerName as string | null) ?? null,
      LearnerCode: (doc.LearnerCode as string | null) ?? null,
      Passcode: doc.Passcode as string,
    }));
  }

  private async find(organization: string, eventId: string): Promise<Doc | null> {
    const doc = await this.view.get(EVENTS, eventId, organization);
    return doc && doc.Organization === organization ? doc : null;
  }
}

/**
 * The organization's events that start before `until` and end at or after `from`, compared as
 * stored ISO text. A bound beyond the storable years (the month 9999-12 and its last days reach
 * into 10000, whose ISO text would sort first) is left out: no stored time lies beyond it.
 */
function overlapping(organization: string, from: Date, until: Date): Filter {
  return {
    Organization: organization,
    ...(isStorableInstant(until) ? { Start: { $lt: until.toISOString() } } : {}),
    ...(isStorableInstant(from) ? { End: { $gte: from.toISOString() } } : {}),
  };
}

function byStartThenNumber(a: Doc, b: Doc): number {
  const start = (a.Start as string).localeCompare(b.Start as string);
  return start !== 0 ? start : (a.EventNumber as number) - (b.EventNumber as number);
}

function listing(doc: Doc): ExamEventListing {
  const zone = doc.TimeZone as string;
  return {
    EventIdentifier: doc.EventIdentifier as string,
    EventNumber: doc.EventNumber as number,
    EventTitle: doc.EventTitle as string,
    EventStart: formatInZone(doc.Start as string, zone),
    EventEnd: formatInZone(doc.End as string, zone),
    EventVenue: doc.EventVenue as string,
    EventExamType: doc.EventExamType as string,
    EventFormat: doc.EventFormat as string,
    EventBillingCode: doc.EventBillingCode as string,
    EventStatus: doc.EventStatus as string,
    RegistrationLimit: (doc.RegistrationLimit as number | null) ?? null,
    RegistrationCount: doc.RegistrationCount as number,
  };
}
