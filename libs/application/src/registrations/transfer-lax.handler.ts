import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../domain/src/shared/domain-error.js';
import { individualExamType, isIndividual } from '../../../domain/src/exam-event/exam-values.js';
import { checkTransferLax } from '../../../domain/src/registration/registration.checks.js';
import type { TransferLax } from '../../../domain/src/registration/registration.commands.js';
import { registrationDecider } from '../../../domain/src/registration/registration.decider.js';
import type { CommandContext } from '../event-sourcing/command-context.js';
import type { ExamEventRef } from '../exam-events/exam-event-scheduler.js';
import { ExamAssignment, TransferLaxCommand } from './registration.commands.js';
import { latest, RegistrationSupport } from './registration-support.js';

/**
 * transfer-lax (spec §4): every check that can fail runs before an exam event is created, including
 * `Registration already assigned to event` (a found shared event is compared before creating one).
 */
@CommandHandler(TransferLaxCommand)
export class TransferLaxHandler implements ICommandHandler<TransferLaxCommand, ExamAssignment> {
  constructor(private readonly support: RegistrationSupport) {}

  execute(command: TransferLaxCommand): Promise<ExamAssignment> {
    return this.support.oneAtATime.run(command.registrationId, () => this.transferLax(command));
  }

  private async transferLax({ registrationId, request, context }: TransferLaxCommand): Promise<ExamAssignment> {
    const { scheduler } = this.support;
    const command: Omit<TransferLax, 'toEventId'> = {
      type: 'TransferLax',
      registrationId,
      organization: context.organization,
      learnerId: request.learnerId,
      learnerExists: await this.support.learnerExists(context, request.learnerId),
      reason: request.reason,
      accommodations: request.accommodations,
    };
    const registration = checkTransferLax(command, (await this.support.load(registrationId)).state);
    const current = await scheduler.get(context, registration.eventId);
    // Read before anything is appended (see eventTitleOf).
    const held = registration.form ? { id: registration.form.id, title: await this.support.formTitle(context, registration.form.id) } : null;

    const slot = {
      venueId: request.venueId,
      start: request.start,
      examType: request.examType ?? current?.examType ?? null,
      format: current?.format ?? null,
      billingCode: current?.billingCode ?? null,
    };
    let target: ExamEventRef;
    if (slot.examType !== null && isIndividual(slot.examType)) {
      // A kept Individual type is suffixed again for what the registration will hold.
      const holds = registration.accommodations.length > 0 || request.accommodations.length > 0;
      const examType = individualExamType(request.examType ?? 'Individual', holds);
      target = await scheduler.create(context, { ...slot, examType }, { shared: false, forRegistration: registrationId });
    } else {
      const found = await scheduler.findShared(context, request.venueId, request.start);
      if (found?.eventId === registration.eventId) {
        scheduler.leave(found);
        throw DomainError.conflict('Registration already assigned to event');
      }
      target = found ?? (await scheduler.create(context, slot, { shared: true }));
    }
    try {
      return await this.transferTo(target, registrationId, command, held, context);
    } finally {
      // Until here the event was held for this registration (a cancellation counts it or comes first).
      scheduler.leave(target);
    }
  }

  /**
   * Attaches the registration's form to `target` (held for it), then stores the move: in that
   * order a retry after a stop between the two finishes both (the attachment records nothing the
   * second time), where the other order was refused `Registration already assigned to event`.
   */
  private async transferTo(
    target: ExamEventRef,
    registrationId: string,
    command: Omit<TransferLax, 'toEventId'>,
    held: { id: string; title: string } | null,
    context: CommandContext,
  ): Promise<ExamAssignment> {
    const { scheduler } = this.support;
    const early = held !== null ? await scheduler.attachForm(context, target, held) : null;
    let transferred;
    try {
      transferred = await this.support.update(
        registrationId,
        (state) => registrationDecider.decide({ ...command, toEventId: target.eventId }, state),
        context,
      );
    } catch (error) {
      // A concurrent command changed the registration in between, or the append failed: undo its own
      // Individual event (a retry makes another). A shared target keeps the form: the retry joins it.
      if (target.created && isIndividual(target.examType)) await scheduler.cancelAutomatically(context, target.eventId);
      throw error;
    }
    const form = transferred.after?.form;
    let attached = early;
    if (form && form.id !== held?.id) {
      // Another form only if a concurrent change-assessment won the stream in between.
      const title = await this.support.formTitle(context, form.id);
      attached = latest(early, await scheduler.attachForm(context, target, { id: form.id, title }));
    }
    const from = transferred.before!.eventId;
    const left = await this.support.leftEvent(context, from);
    await this.support.readYourWrites.waitFor(latest(target.position, transferred.position, attached, left), context.organization);
    return { Exam: target.eventId, Registration: registrationId, created: target.created };
  }
}
