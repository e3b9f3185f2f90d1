import { randomUUID } from 'node:crypto';
import type { EventStore, StoredEvent } from '../../../event-store/src/event-store.js';
import { WrongExpectedRevisionError } from '../../../event-store/src/event-store.js';
import { type ExamEvent, examEventDecider, examEventStreamId } from '../../../domain/src/exam-event/exam-event.decider.js';
import type { ScheduledVenue } from '../../../domain/src/exam-event/exam-event.commands.js';
import { isIndividual } from '../../../domain/src/exam-event/exam-values.js';
import type { ExamScheduled } from '../../../domain/src/exam-event/exam-event.events.js';
import {
  assignedAfter,
  type ExamEventNumberAssignedData,
  type ExamScheduleCommand,
  examScheduleDecider,
  examScheduleStreamId,
  findSharedEvent,
  isAssigned,
  nextEventNumber,
} from '../../../domain/src/exam-schedule/exam-schedule.decider.js';
import { parseOffsetDateTime } from '../../../domain/src/shared/time.js';
import { DomainError } from '../../../domain/src/shared/domain-error.js';
import type { CatalogQueries } from '../../../read-model/src/catalog/catalog.queries.js';
import { type CommandContext, onBehalfOf } from '../event-sourcing/command-context.js';
import type { EventSourcedStreams, LoadedStream } from '../event-sourcing/event-sourced-streams.js';
import { streamPages } from '../event-sourcing/stream-pages.js';
import { ExamScheduleCache, type LoadedSchedule } from './exam-schedule-cache.js';
import { ExamEventRef, ExamEventScheduler, ExamSlotRequest } from './exam-event-scheduler.js';
import { ExamEventHolds } from './exam-event-holds.js';
import { KeyedLock } from './keyed-lock.js';

/** POST /api/events: a caller-chosen id, an optional registration limit; a missing venue is not found. */
export interface ScheduleRequest extends Omit<ExamSlotRequest, 'venueId' | 'start'> {
  venueId: string | null;
  /** Checked by the domain (`Invalid EventStartTime value` when missing or unparsable). */
  start: string | null;
  eventId: string;
  /** Null: unlimited. */
  registrationLimit: number | null;
  /** An Individual event's registration (register-lax, transfer-lax); POST /api/events has none. */
  forRegistration?: string;
}

export interface CancelRequest {
  reason: string | null;
  automatic: boolean;
  /** Registrations on the event that are not cancelled, as the caller counted them. */
  activeRegistrations: number;
}

/** Every lost race means another writer made progress; this many in a row means something is wrong. */
const MAX_ATTEMPTS = 50;

/**
 * Numbers checked for a stopped creation when a process first meets an organization's schedule:
 * a process killed between a creation's two appends leaves at most one per creation in flight, and
 * they are the newest numbers then.
 */
const CHECKED_AT_FIRST_SIGHT = 64;

/** How far back from its end the schedule is read first for a stopped creation's assignment. */
const ASSIGNMENT_TAIL = 64n;

/**
 * The exam-event application service. The schedule stream `examSchedule-<org>` is the commit
 * point of every new event (number and slot); see the protocol in exam-schedule.decider.ts.
 */
export class EventSourcedExamEventScheduler extends ExamEventScheduler {
  private readonly schedules: ExamScheduleCache;
  private readonly creating = new KeyedLock();
  /** Event ids a client chose (POST /api/events), claimed one caller at a time whatever its organization. */
  private readonly claiming = new KeyedLock();
  /** The read of the event behind each ref `findShared` answered, for `attachForm` to decide on. */
  private readonly reads = new WeakMap<ExamEventRef, LoadedStream<ExamEvent | null>>();
  private readonly holds = new ExamEventHolds();
  /** The hold a registration took on the event behind each ref `findShared` or `create` answered. */
  private readonly held = new WeakMap<ExamEventRef, () => void>();
  /** Per organization, the numbers up to which every event's `ExamScheduled` is known to be written. */
  private readonly completedUpTo = new Map<string, number>();

  constructor(
    private readonly eventStore: EventStore,
    private readonly streams: EventSourcedStreams,
    private readonly catalog: CatalogQueries,
  ) {
    super();
    this.schedules = new ExamScheduleCache(eventStore);
  }

  async findShared(context: CommandContext, venueId: string, start: string): Promise<ExamEventRef | null> {
    const instant = parseOffsetDateTime(start);
    if (instant === null) return null;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const schedule = await this.schedules.load(context.organization);
      const found = await this.joinable(context, schedule, venueId, instant);
      if (found !== 'look again') return found;
    }
    throw new Error(`Gave up finding the exam event of slot ${venueId} ${start}: too much contention`);
  }

  async create(
    context: CommandContext,
    request: ExamSlotRequest,
    options: { shared: true } | { shared: false; forRegistration: string },
  ): Promise<ExamEventRef> {
    const eventId = randomUUID();
    // Held before it exists (nothing can be cancelling it), so it never waits.
    const release = await this.holds.join(eventId);
    let event: ExamEventRef;
    try {
      const forRegistration = options.shared ? undefined : options.forRegistration;
      event = await this.createEvent(context, { ...request, eventId, registrationLimit: null, forRegistration }, options.shared);
    } catch (error) {
      release();
      throw error;
    }
    // Another caller's event for the slot: `joinable` holds that one.
    if (event.eventId !== eventId) release();
    else this.held.set(event, release);
    return event;
  }

  leave(event: ExamEventRef): void {
    this.held.get(event)?.();
    this.held.delete(event);
  }

  holdForCancelling(eventId: string): Promise<() => void> {
    return this.holds.cancel(eventId);
  }

  async findOrCreate(context: CommandContext, request: ExamSlotRequest): Promise<ExamEventRef> {
    return (await this.findShared(context, request.venueId, request.start)) ?? this.create(context, request, { shared: true });
  }

  /**
   * POST /api/events: always a new event, never joined to an existing one. Two organizations
   * racing for one new id would each pass the check that the id is free, and the loser's number,
   * committed to its schedule before the event's stream refused it, would stay a gap (spec §3: no
   * gaps). Claimed one at a time, the loser sees the winner's event and appends nothing. Across
   * processes (server adapters) the race stays (docs/decisions.md).
   */
  schedule(context: CommandContext, request: ScheduleRequest): Promise<ExamEventRef> {
    return this.claiming.run(request.eventId, () => this.createEvent(context, request, false));
  }

  async attachForm(
    context: CommandContext,
    event: string | ExamEventRef,
    form: { id: string; title: string },
  ): Promise<bigint | null> {
    const eventId = typeof event === 'string' ? event : event.eventId;
    const loaded = (typeof event === 'string' ? undefined : this.reads.get(event)) ?? (await this.loadEvent(context, eventId)).loaded;
    const result = await this.streams.update(
      examEventStreamId(eventId),
      examEventDecider,
      (state) =>
        examEventDecider.decide(
          { type: 'AttachExamForm', eventId, organization: context.organization, form },
          state,
        ),
      context,
      loaded,
    );
    return result.appended.length > 0 ? result.position : null;
  }

  cancelAutomatically(context: CommandContext, eventId: string): Promise<bigint | null> {
    return this.cancel(context, eventId, { reason: null, automatic: true, activeRegistrations: 0 });
  }

  /**
   * Records the cancellation, then frees the slot (an Individual event holds none). Also frees it
   * when the event was already cancelled, which completes a cancellation whose process stopped in
   * between. Returns the position to wait for: the stream's last event when nothing was appended,
   * so that a command that found the cancellation made by another (the left-events reactor) waits
   * for it to be readable too.
   */
  async cancel(context: CommandContext, eventId: string, request: CancelRequest): Promise<bigint | null> {
    const { loaded } = await this.loadEvent(context, eventId);
    const result = await this.streams.update(
      examEventStreamId(eventId),
      examEventDecider,
      (state) =>
        examEventDecider.decide(
          {
            type: 'CancelExamEvent',
            eventId,
            organization: context.organization,
            reason: request.reason,
            automatic: request.automatic,
            activeRegistrations: request.activeRegistrations,
          },
          state,
        ),
      context,
      loaded,
    );
    const released = result.after !== null && isIndividual(result.after.examType) ? null : await this.releaseSlot(context, eventId);
    return released ?? result.position;
  }

  async get(context: CommandContext, eventId: string): Promise<ExamEventRef | null> {
    const { event, appended } = await this.loadEvent(context, eventId);
    if (event === null || event.organization !== context.organization) return null;
    return ref(event, false, appended);
  }

  private async createEvent(context: CommandContext, request: ScheduleRequest, join: boolean): Promise<ExamEventRef> {
    const organization = context.organization;
    const instant = parseOffsetDateTime(request.start);
    const venue = await this.venue(organization, request.venueId);
    const durationMinutes = await this.billingCodeDuration(organization, request.billingCode);

    return this.creating.run(organization, async () => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        // One snapshot for looking and appending: whatever is appended after it makes the append fail.
        const schedule = await this.schedules.load(organization);
        // It writes to event streams only, so the snapshot stays the schedule's current one.
        if (attempt === 1) await this.completeStoppedCreations(context, schedule);
        if (join && instant !== null && request.venueId !== null) {
          const found = await this.joinable(context, schedule, request.venueId, instant);
          if (found === 'look again') continue;
          if (found !== null) return found;
        }
        // Known to the schedule but not yet written (its creator stopped): the id is taken all the same.
        if (isAssigned(schedule.state, request.eventId)) throw DomainError.conflict('Event already exists');
        const existing = await this.streams.load(examEventStreamId(request.eventId), examEventDecider);
        const [scheduled] = examEventDecider.decide(
          {
            type: 'ScheduleExamEvent',
            eventId: request.eventId,
            organization,
            number: nextEventNumber(schedule.state),
            venueId: request.venueId,
            venue,
            start: request.start,
            examType: request.examType,
            format: request.format,
            billingCode: request.billingCode,
            billingCodeDurationMinutes: durationMinutes,
            registrationLimit: request.registrationLimit,
            now: context.now,
            source: 'API',
            forRegistration: request.forRegistration,
          },
          existing.state,
        ) as [ExamScheduled];
        const committed = await this.appendToSchedule(context, { type: 'AssignEventNumber', details: scheduled.data }, schedule);
        if (committed === 'conflict') continue;
        const event = examEventDecider.evolve(null, scheduled) as ExamEvent;
        return ref(event, true, await this.writeScheduled(context, scheduled));
      }
      throw new Error(`Gave up creating exam event ${request.eventId}: too much contention on the schedule`);
    });
  }

  /**
   * Writes the `ExamScheduled` of events the schedule numbered but whose creator stopped before
   * writing it (its process killed between the two appends). A shared one is completed by the next
   * find-or-create of its slot, but an Individual one, which nothing joins, stayed a gap in the
   * numbers for good (spec §3: no gaps; a session 21 outside check saw 2 in 16 kills). Each number
   * is checked once per process, under the organization's creation lock: no creation of this
   * process is between its appends then, and one of another process wrote, or will write, the same
   * fact (writeScheduled). The writes are not the command's own: its answer does not wait for them.
   */
  private async completeStoppedCreations(context: CommandContext, schedule: LoadedSchedule): Promise<void> {
    const organization = context.organization;
    const latest = nextEventNumber(schedule.state) - 1;
    const checked = this.completedUpTo.get(organization) ?? Math.max(0, latest - CHECKED_AT_FIRST_SIGHT);
    if (latest <= checked) return;
    for (const assigned of assignedAfter(schedule.state, checked)) {
      const [first] = await this.eventStore.readStream(examEventStreamId(assigned.EventId), { maxCount: 1 });
      if (first !== undefined) continue;
      const stored = await this.assignment(schedule, organization, assigned.EventId);
      if (stored === undefined) continue;
      try {
        await this.writeScheduled(onBehalfOf(context, stored), scheduledBy(stored));
      } catch (error) {
        // Another organization's event took the id across processes: that number stays a gap (decisions.md).
        if (!(error instanceof DomainError)) throw error;
      }
    }
    this.completedUpTo.set(organization, latest);
  }

  /**
   * The event find-or-create joins for the slot, or null. 'look again' when the schedule still
   * held the slot of an event that is cancelled: its slot has just been released.
   */
  private async joinable(
    context: CommandContext,
    schedule: LoadedSchedule,
    venueId: string,
    instant: Date,
  ): Promise<ExamEventRef | null | 'look again'> {
    const found = findSharedEvent(schedule.state, venueId, instant);
    if (found === null) return null;
    const mark = this.holds.mark();
    const { event, appended, loaded } = await this.loadEvent(context, found.eventId);
    if (event !== null && event.status !== 'Cancelled') {
      const release = await this.holds.join(found.eventId);
      // A cancellation stored since the read (or held meanwhile): what was read may be stale.
      if (this.holds.changedSince(mark)) {
        release();
        return 'look again';
      }
      const joined = ref(event, false, appended);
      if (loaded) this.reads.set(joined, loaded);
      this.held.set(joined, release);
      return joined;
    }
    // The cancellation stopped before freeing its slot: freed on its behalf.
    const cancelled = (await this.eventStore.readStream(examEventStreamId(found.eventId))).find((e) => e.type === 'ExamEventCancelled');
    await this.releaseSlot(onBehalfOf(context, cancelled), found.eventId);
    return 'look again';
  }

  /**
   * The event's state. When its stream is empty but the organization's schedule has committed it
   * (the creator stopped between the two appends), its `ExamScheduled` is written first.
   * `loaded`: the stream as read, when nothing was written (for an update to decide on).
   */
  private async loadEvent(
    context: CommandContext,
    eventId: string,
  ): Promise<{ event: ExamEvent | null; appended: bigint | null; loaded?: LoadedStream<ExamEvent | null> }> {
    const loaded = await this.streams.load(examEventStreamId(eventId), examEventDecider);
    if (loaded.state !== null) return { event: loaded.state, appended: null, loaded };
    const schedule = await this.schedules.load(context.organization);
    const stored = isAssigned(schedule.state, eventId) ? await this.assignment(schedule, context.organization, eventId) : undefined;
    if (stored === undefined) return { event: null, appended: null, loaded };
    const scheduled = scheduledBy(stored);
    const appended = await this.writeScheduled(onBehalfOf(context, stored), scheduled);
    return { event: examEventDecider.evolve(null, scheduled), appended };
  }

  /**
   * The stored `ExamEventNumberAssigned` of an event, read for the details the state does not
   * keep: most often among the schedule's last events.
   */
  private async assignment(schedule: LoadedSchedule, organization: string, eventId: string): Promise<StoredEvent | undefined> {
    const streamId = examScheduleStreamId(organization);
    const isIt = (e: StoredEvent) => e.type === 'ExamEventNumberAssigned' && e.data.EventId === eventId;
    const last = schedule.revision ?? 0n;
    const tail = last > ASSIGNMENT_TAIL ? last - ASSIGNMENT_TAIL : 0n;
    const found = (await this.eventStore.readStream(streamId, { fromRevision: tail })).find(isIt);
    if (found !== undefined || tail === 0n) return found;
    for await (const page of streamPages(this.eventStore, streamId)) {
      const inPage = page.find(isIt);
      if (inPage !== undefined) return inPage;
    }
    return undefined;
  }

  /**
   * Writes an event's `ExamScheduled` (expected: no stream). If another caller completing the same
   * pending event wrote it first, that write is the same fact and is used instead.
   */
  private async writeScheduled(context: CommandContext, scheduled: ExamScheduled): Promise<bigint> {
    const streamId = examEventStreamId(scheduled.data.EventId);
    try {
      const result = await this.eventStore.append(streamId, this.streams.toNewEvents([scheduled], context), 'no_stream');
      return result.position;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      const [first] = await this.eventStore.readStream(streamId, { maxCount: 1 });
      if (first?.type === 'ExamScheduled' && first.data.Organization === scheduled.data.Organization && first.data.Number === scheduled.data.Number) {
        return first.position;
      }
      // Another organization took the id in the instant between our check and our write.
      throw DomainError.conflict('Event already exists');
    }
  }

  /** Frees a cancelled event's slot; null when it held none (Individual, or already freed). */
  private async releaseSlot(context: CommandContext, eventId: string): Promise<bigint | null> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const schedule = await this.schedules.load(context.organization);
      const committed = await this.appendToSchedule(context, { type: 'ReleaseSlot', eventId }, schedule);
      if (committed !== 'conflict') return committed;
    }
    throw new Error(`Gave up releasing the slot of exam event ${eventId}: too much contention on the schedule`);
  }

  /** Decides on the schedule as loaded and appends at its revision: the position, null when nothing was decided. */
  private async appendToSchedule(
    context: CommandContext,
    command: ExamScheduleCommand,
    schedule: LoadedSchedule,
  ): Promise<bigint | null | 'conflict'> {
    const events = examScheduleDecider.decide(command, schedule.state);
    if (events.length === 0) return null;
    try {
      const result = await this.eventStore.append(
        examScheduleStreamId(context.organization),
        this.streams.toNewEvents(events, context),
        schedule.revision ?? 'no_stream',
      );
      this.schedules.remember(context.organization, {
        state: events.reduce(examScheduleDecider.evolve, schedule.state),
        revision: result.nextExpectedRevision,
      });
      return result.position;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return 'conflict';
      throw error;
    }
  }

  private async venue(organization: string, venueId: string | null): Promise<ScheduledVenue | null> {
    if (venueId === null) return null;
    const doc = await this.catalog.get('venues', organization, venueId);
    return doc ? { id: venueId, name: doc.Name as string, timeZone: doc.TimeZone as string } : null;
  }

  private async billingCodeDuration(organization: string, code: string | null): Promise<number | null> {
    if (code === null || code.trim() === '') return null;
    const doc = await this.catalog.get('billingCodes', organization, code);
    return doc ? (doc.ExamDuration as number) : null;
  }
}

function ref(event: ExamEvent, created: boolean, position: bigint | null): ExamEventRef {
  return {
    eventId: event.eventId,
    number: event.number,
    examType: event.examType,
    format: event.format,
    billingCode: event.billingCode,
    cancelled: event.status === 'Cancelled',
    created,
    position,
  };
}

/** The `ExamScheduled` a stored assignment carries, for a creation that stopped before writing it. */
function scheduledBy(assignment: StoredEvent): ExamScheduled {
  return { type: 'ExamScheduled', data: (assignment.data as unknown as ExamEventNumberAssignedData).Details };
}
