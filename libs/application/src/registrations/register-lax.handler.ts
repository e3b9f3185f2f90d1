import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { individualExamType, isIndividual } from '../../../domain/src/exam-event/exam-values.js';
import { checkRegisterLax } from '../../../domain/src/registration/registration.checks.js';
import type { RegisterLax } from '../../../domain/src/registration/registration.commands.js';
import { registrationDecider } from '../../../domain/src/registration/registration.decider.js';
import type { ExamEventRef } from '../exam-events/exam-event-scheduler.js';
import { ExamAssignment, RegisterLaxCommand } from './registration.commands.js';
import { latest, RegistrationSupport } from './registration-support.js';

/**
 * register-lax (spec §4): checks 1–4 run before the exam event is found or created, so a refused
 * command creates no event; then the form is attached to the event and the registration appended.
 * In that order a retry after a stop between the two finishes both (the attachment records nothing
 * the second time); the other order left the event without the form, and its title so, for good,
 * since the retry is refused `Registration already exists`.
 */
@CommandHandler(RegisterLaxCommand)
export class RegisterLaxHandler implements ICommandHandler<RegisterLaxCommand, ExamAssignment> {
  constructor(private readonly support: RegistrationSupport) {}

  execute(command: RegisterLaxCommand): Promise<ExamAssignment> {
    return this.support.oneAtATime.run(command.registrationId, () => this.registerLax(command));
  }

  private async registerLax({ registrationId, request, passcode, context }: RegisterLaxCommand): Promise<ExamAssignment> {
    const { scheduler } = this.support;
    const learnerExists = await this.support.learnerExists(context, request.learnerId);
    const form = await this.support.formByCode(context, request.assessment);
    const command: Omit<RegisterLax, 'eventId'> = {
      type: 'RegisterLax',
      registrationId,
      organization: context.organization,
      learnerId: request.learnerId,
      learnerExists,
      formCode: request.assessment,
      form,
      registrantType: request.registrantType,
      accommodations: request.accommodations,
      passcode,
    };
    const loaded = await this.support.load(registrationId);
    const checkedForm = checkRegisterLax(command, loaded.state);

    const slot = {
      venueId: request.venueId,
      start: request.start,
      examType: request.examType,
      format: request.format,
      billingCode: request.billingCode,
    };
    let event: ExamEventRef;
    if (request.examType !== null && isIndividual(request.examType)) {
      const examType = individualExamType(request.examType, request.accommodations.length > 0);
      event = await scheduler.create(context, { ...slot, examType }, { shared: false, forRegistration: registrationId });
    } else {
      event =
        (await scheduler.findShared(context, request.venueId, request.start)) ??
        (await scheduler.create(context, slot, { shared: true }));
    }

    try {
      // checkRegisterLax refused a missing form, so `form` is set here.
      const attached = await scheduler.attachForm(context, event, { id: checkedForm.id, title: form!.title });
      let registered;
      try {
        registered = await this.support.update(
          registrationId,
          // The added key first: Node 20's V8 adds a key after a spread through the runtime (~2 µs).
          (state) => registrationDecider.decide({ eventId: event.eventId, ...command }, state),
          context,
          loaded,
        );
      } catch (error) {
        // A register-lax with the same id in another process, or an append that failed: undo its own
        // Individual event (a retry makes another). A shared event keeps the form: the retry joins it.
        if (event.created && isIndividual(event.examType)) await scheduler.cancelAutomatically(context, event.eventId);
        throw error;
      }
      await this.support.readYourWrites.waitFor(latest(event.position, registered.position, attached), context.organization);
    } finally {
      // Until here the event was held for this registration (a cancellation counts it or comes first).
      scheduler.leave(event);
    }
    return { Exam: event.eventId, Registration: registrationId, created: event.created };
  }
}
