import type { EventStore } from '../../../event-store/src/event-store.js';
import { STREAM_PAGE, streamPages } from '../event-sourcing/stream-pages.js';
import {
  examScheduleDecider,
  type ExamScheduleEvent,
  type ExamScheduleState,
  examScheduleStreamId,
} from '../../../domain/src/exam-schedule/exam-schedule.decider.js';

export interface LoadedSchedule {
  state: ExamScheduleState;
  /** Revision of the schedule's last event (the expected revision of the next append), null when empty. */
  revision: bigint | null;
}

const EMPTY: LoadedSchedule = { state: examScheduleDecider.initialState, revision: null };

/**
 * How many schedule events (about 0.43 KB each once folded: docs/operations.md, Memory) the cache
 * keeps across organizations, about 43 MB of the API's 160 MB heap. Past it, the organizations
 * served least recently are dropped and read again at their next command.
 */
export const SCHEDULE_CACHE_EVENTS = 100_000;

/**
 * Each organization's folded exam schedule, kept in memory by revision. The stream only grows, so
 * a load reads just the events after the cached revision (other processes' appends included).
 *
 * Loads that arrive while one is reading wait for it, then read only what it did not: otherwise a
 * cold cache (after a start) would have every concurrent command parse the whole stream at once,
 * about 10 MB each for a schedule of 10,000 events (session 26's API ran out of heap that way).
 *
 * At most `maxEvents` schedule events are kept, least recently served organizations dropped first
 * (never the one just loaded, however large), so a process serving many organizations does not
 * outgrow its heap.
 */
export class ExamScheduleCache {
  /** In order of use, least recent first (a Map keeps insertion order). */
  private readonly byOrganization = new Map<string, LoadedSchedule>();
  private readonly reading = new Map<string, Promise<unknown>>();
  private cachedEvents = 0;

  constructor(
    private readonly eventStore: EventStore,
    private readonly pageSize = STREAM_PAGE,
    private readonly maxEvents = SCHEDULE_CACHE_EVENTS,
  ) {}

  /** The schedule with every event appended before the call. */
  load(organization: string): Promise<LoadedSchedule> {
    const underWay = this.reading.get(organization);
    // It may have started before an append this caller must see, so read after it rather than share its answer.
    if (underWay) return underWay.then(() => this.read(organization));
    const read = this.read(organization);
    const settled = read.catch(() => undefined);
    this.reading.set(organization, settled);
    void settled.then(() => {
      if (this.reading.get(organization) === settled) this.reading.delete(organization);
    });
    return read;
  }

  /** Folds what came after the cached revision, a page at a time (a cold schedule may hold 100,000 events). */
  private async read(organization: string): Promise<LoadedSchedule> {
    const cached = this.byOrganization.get(organization) ?? EMPTY;
    const fromRevision = cached.revision === null ? 0n : cached.revision + 1n;
    let loaded = cached;
    for await (const page of streamPages(this.eventStore, examScheduleStreamId(organization), fromRevision, this.pageSize)) {
      const state = page.reduce(
        (folded, stored) => examScheduleDecider.evolve(folded, { type: stored.type, data: stored.data } as ExamScheduleEvent),
        loaded.state,
      );
      loaded = { state, revision: page[page.length - 1].revision };
    }
    this.remember(organization, loaded);
    return loaded;
  }

  /** Keeps the newest of what concurrent loads and this process's own appends have seen, as the most recently used. */
  remember(organization: string, loaded: LoadedSchedule): void {
    const cached = this.byOrganization.get(organization);
    const newest = cached === undefined || isNewer(loaded, cached) ? loaded : cached;
    if (newest.revision === null) return;
    if (cached !== undefined) {
      this.byOrganization.delete(organization);
      this.cachedEvents -= eventsIn(cached);
    }
    this.byOrganization.set(organization, newest);
    this.cachedEvents += eventsIn(newest);
    for (const [least, schedule] of this.byOrganization) {
      if (this.cachedEvents <= this.maxEvents || least === organization) break;
      this.byOrganization.delete(least);
      this.cachedEvents -= eventsIn(schedule);
    }
  }
}

function isNewer(a: LoadedSchedule, b: LoadedSchedule): boolean {
  return a.revision !== null && (b.revision === null || a.revision > b.revision);
}

function eventsIn(loaded: LoadedSchedule): number {
  return loaded.revision === null ? 0 : Number(loaded.revision) + 1;
}
