/** What every registration command handler needs beside the decider: lookups and exam event effects. */
import { Injectable } from '@nestjs/common';
import type { RegistrationForm } from '../../../domain/src/registration/registration.commands.js';
import { registrationDecider } from '../../../domain/src/registration/registration.decider.js';
import type { RegistrationEvent } from '../../../domain/src/registration/registration.events.js';
import { type RegistrationState, registrationStreamId } from '../../../domain/src/registration/registration.state.js';
import { isIndividual } from '../../../domain/src/exam-event/exam-values.js';
import { formTitleShown } from '../../../domain/src/exam-event/exam-event-title.js';
import { CatalogQueries } from '../../../read-model/src/catalog/catalog.queries.js';
import type { Doc } from '../../../read-model/src/read-store.js';
import { CommandCatalog } from '../catalog/command-catalog.js';
import { type CommandContext, onBehalfOf } from '../event-sourcing/command-context.js';
import { EventSourcedStreams, type LoadedStream, type UpdateResult } from '../event-sourcing/event-sourced-streams.js';
import { ExamEventScheduler } from '../exam-events/exam-event-scheduler.js';
import { KeyedLock } from '../exam-events/keyed-lock.js';
import { ReadYourWrites } from '../read-your-writes.js';

/** The form the catalog's lookup by code picks, with the title an exam event shows for it. */
export type FoundForm = RegistrationForm & { title: string };

/**
 * What an exam event's title shows for a form (spec §3). Worked out here, before the command
 * appends anything, so that attaching the form reads nothing afterwards (a read of the read models
 * waits for this process's appends, the command's own included).
 */
function eventTitleOf(form: Doc): string {
  return formTitleShown(form as unknown as { Title: string | null; Name: string | null; Code: string });
}

/** The latest of several append positions (each may be null: nothing appended). */
export function latest(...positions: (bigint | null)[]): bigint | null {
  return positions.reduce<bigint | null>((max, p) => (p !== null && (max === null || p > max) ? p : max), null);
}

@Injectable()
export class RegistrationSupport {
  /**
   * The commands of one registration, one at a time in this process. register-lax and transfer-lax
   * check the registration, then find or create an exam event, then append: a second command of
   * the same registration landing in between (another register-lax, a cancel, a delete) would
   * refuse the append and leave the new event behind (spec §1 and §4: a rejected command creates
   * no exam event). Across processes that race stays (docs/decisions.md).
   */
  readonly oneAtATime = new KeyedLock();

  constructor(
    readonly streams: EventSourcedStreams,
    readonly readYourWrites: ReadYourWrites,
    readonly catalog: CatalogQueries,
    private readonly commandCatalog: CommandCatalog,
    readonly scheduler: ExamEventScheduler,
  ) {}

  async learnerExists(context: CommandContext, learnerId: string): Promise<boolean> {
    return this.commandCatalog.learnerExists(context.organization, learnerId);
  }

  /** Spec §2's lookup by code; a missing or blank code finds nothing. */
  async formByCode(context: CommandContext, code: string | null): Promise<FoundForm | null> {
    if (code === null || code.trim() === '') return null;
    const doc = await this.commandCatalog.formByCode(context.organization, code);
    if (doc === null) return null;
    return {
      id: doc.AssessmentFormIdentifier as string,
      code: doc.Code as string,
      timeLimit: (doc.TimeLimit as number | null) ?? null,
      title: eventTitleOf(doc),
    };
  }

  /** The title an exam event shows for a form the registration holds. */
  async formTitle(context: CommandContext, formId: string): Promise<string> {
    const doc = await this.catalog.get('assessmentForms', context.organization, formId);
    return doc ? eventTitleOf(doc) : formId;
  }

  load(registrationId: string) {
    return this.streams.load<RegistrationState, RegistrationEvent>(registrationStreamId(registrationId), registrationDecider);
  }

  /** Load (unless `loaded` is given), decide, append with the expected revision; re-run on a version conflict. */
  update(
    registrationId: string,
    decide: (state: RegistrationState) => RegistrationEvent[],
    context: CommandContext,
    loaded?: LoadedStream<RegistrationState>,
  ): Promise<UpdateResult<RegistrationState, RegistrationEvent>> {
    return this.streams.update(registrationStreamId(registrationId), registrationDecider, decide, context, loaded);
  }

  /**
   * A registration left `eventId` (cancel, delete, transfer): an Individual event holds only that
   * registration, so it is cancelled. Returns the position to wait for. `leftBy`: the registration
   * left it in an earlier request (this one a retry, or a delete after a cancel), which may have
   * stopped before the cancellation; it is then written on that request's behalf, this one as its
   * cause (as the scheduler's completions are), and that request's event is read only then.
   */
  async leftEvent(context: CommandContext, eventId: string, leftBy?: { registrationId: string; type: RegistrationEvent['type'] }): Promise<bigint | null> {
    const event = await this.scheduler.get(context, eventId);
    if (event === null || !isIndividual(event.examType)) return null;
    const stopped = leftBy !== undefined && !event.cancelled ? await this.streams.lastStored(registrationStreamId(leftBy.registrationId), leftBy.type) : undefined;
    // Also when it is cancelled already: the position of that cancellation is the one to wait for.
    return this.scheduler.cancelAutomatically(onBehalfOf(context, stopped), eventId);
  }
}
