import type { EventStore } from '../../../event-store/src/event-store.js';
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
 * Each organization's folded exam schedule, kept in memory by revision. The stream only grows, so
 * a load reads just the events after the cached revision (other processes' appends included).
 */
export class ExamScheduleCache {
  private readonly byOrganization = new Map<string, LoadedSchedule>();

  constructor(private readonly eventStore: EventStore) {}

  async load(organization: string): Promise<LoadedSchedule> {
    const cached = this.byOrganization.get(organization) ?? EMPTY;
    const fromRevision = cached.revision === null ? 0n : cached.revision + 1n;
    const newer = await this.eventStore.readStream(examScheduleStreamId(organization), { fromRevision });
    if (newer.length === 0) return cached;
    const state = newer.reduce(
      (folded, stored) => examScheduleDecider.evolve(folded, { type: stored.type, data: stored.data } as ExamScheduleEvent),
      cached.state,
    );
    const loaded = { state, revision: newer[newer.length - 1].revision };
    this.remember(organization, loaded);
    return loaded;
  }

  /** Keeps the newest of what concurrent loads and this process's own appends have seen. */
  remember(organization: string, loaded: LoadedSchedule): void {
    const cached = this.byOrganization.get(organization);
    if (loaded.revision === null) return;
    if (!cached || cached.revision === null || loaded.revision > cached.revision) {
      this.byOrganization.set(organization, loaded);
    }
  }
}
