/**
 * The registration commands that change one registration in place (spec §4): cancel,
 * change-assessment, grant/revoke-accommodation and delete. Each loads, decides and appends with
 * the expected revision (re-run on a version conflict), then waits for the read models to show
 * its last append before answering. Like register-lax and transfer-lax, each runs one at a time
 * per registration in this process (RegistrationSupport.oneAtATime).
 */
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { Accommodation } from '../../../domain/src/registration/registration.events.js';
import { registrationDecider } from '../../../domain/src/registration/registration.decider.js';
import {
  CancelRegistrationCommand,
  ChangeAssessmentCommand,
  DeleteRegistrationCommand,
  GrantAccommodationCommand,
  RevokeAccommodationCommand,
} from './registration.commands.js';
import { latest, RegistrationSupport } from './registration-support.js';

@CommandHandler(CancelRegistrationCommand)
export class CancelRegistrationHandler implements ICommandHandler<CancelRegistrationCommand, void> {
  constructor(private readonly support: RegistrationSupport) {}

  execute(command: CancelRegistrationCommand): Promise<void> {
    return this.support.oneAtATime.run(command.registrationId, () => this.cancel(command));
  }

  private async cancel({ registrationId, reason, context }: CancelRegistrationCommand): Promise<void> {
    const result = await this.support.update(
      registrationId,
      (state) =>
        registrationDecider.decide(
          { type: 'CancelRegistration', registrationId, organization: context.organization, reason },
          state,
        ),
      context,
    );
    // Also when it was already cancelled: a retry finishes what a cancel stopped before its event's
    // automatic cancellation (nothing is recorded when that is done), on the stopped cancel's behalf.
    const after = result.after;
    const cancelled = after !== null && after.organization === context.organization && after.status === 'Cancelled';
    const leftBy = result.appended.length === 0 ? { registrationId, type: 'RegistrationCancelled' as const } : undefined;
    const left = cancelled ? await this.support.leftEvent(context, after.eventId, leftBy) : null;
    await this.support.readYourWrites.waitFor(latest(result.position, left), context.organization);
  }
}

@CommandHandler(DeleteRegistrationCommand)
export class DeleteRegistrationHandler implements ICommandHandler<DeleteRegistrationCommand, void> {
  constructor(private readonly support: RegistrationSupport) {}

  execute(command: DeleteRegistrationCommand): Promise<void> {
    return this.support.oneAtATime.run(command.registrationId, () => this.delete(command));
  }

  private async delete({ registrationId, context }: DeleteRegistrationCommand): Promise<void> {
    const result = await this.support.update(
      registrationId,
      (state) =>
        registrationDecider.decide({ type: 'DeleteRegistration', registrationId, organization: context.organization }, state),
      context,
    );
    // The registration leaves its event now, or left it when it was cancelled. Either request may
    // have stopped before the event's automatic cancellation (a retried delete, or a delete after
    // a stopped cancel): it is finished here (nothing is recorded when that is done), on behalf of
    // the request that left the event.
    const before = result.before;
    const ours = before !== null && before.organization === context.organization;
    const deletesNow = result.appended.length > 0;
    const retried = result.appended.length === 0 && ours && before.deleted;
    const type = before?.status === 'Cancelled' ? ('RegistrationCancelled' as const) : ('RegistrationDeleted' as const);
    const leftBy = retried || type === 'RegistrationCancelled' ? { registrationId, type } : undefined;
    const left = deletesNow || retried ? await this.support.leftEvent(context, before!.eventId, leftBy) : null;
    await this.support.readYourWrites.waitFor(latest(result.position, left), context.organization);
  }
}

@CommandHandler(ChangeAssessmentCommand)
export class ChangeAssessmentHandler implements ICommandHandler<ChangeAssessmentCommand, { formId: string }> {
  constructor(private readonly support: RegistrationSupport) {}

  execute(command: ChangeAssessmentCommand): Promise<{ formId: string }> {
    return this.support.oneAtATime.run(command.registrationId, () => this.changeAssessment(command));
  }

  private async changeAssessment({ registrationId, assessment, context }: ChangeAssessmentCommand): Promise<{ formId: string }> {
    const form = await this.support.formByCode(context, assessment);
    const change = { type: 'ChangeAssessment', registrationId, organization: context.organization, formCode: assessment, form } as const;
    const loaded = await this.support.load(registrationId);
    // Decided once before the event is touched, so that a refusal changes nothing. The form is then
    // attached before the registration records it: a retry after a stop between the two finishes
    // both, where the other order was refused `Assessment already assigned to registration`.
    registrationDecider.decide(change, loaded.state);
    // The decider refused a missing form, so `form` is set here.
    const attachment = { id: form!.id, title: form!.title };
    const attached = await this.support.scheduler.attachForm(context, loaded.state!.eventId, attachment);
    const result = await this.support.update(registrationId, (state) => registrationDecider.decide(change, state), context, loaded);
    // Moved to another event meanwhile (a transfer by another process): the form goes there too.
    const eventNow = result.after!.eventId;
    const moved = eventNow !== loaded.state!.eventId ? await this.support.scheduler.attachForm(context, eventNow, attachment) : null;
    await this.support.readYourWrites.waitFor(latest(result.position, attached, moved), context.organization);
    return { formId: form!.id };
  }
}

@CommandHandler(GrantAccommodationCommand)
export class GrantAccommodationHandler implements ICommandHandler<GrantAccommodationCommand, readonly Accommodation[]> {
  constructor(private readonly support: RegistrationSupport) {}

  execute(command: GrantAccommodationCommand): Promise<readonly Accommodation[]> {
    return this.support.oneAtATime.run(command.registrationId, () => this.grant(command));
  }

  private async grant({ registrationId, accommodation, context }: GrantAccommodationCommand): Promise<readonly Accommodation[]> {
    const result = await this.support.update(
      registrationId,
      (state) =>
        registrationDecider.decide(
          { type: 'GrantAccommodation', registrationId, organization: context.organization, accommodation },
          state,
        ),
      context,
    );
    await this.support.readYourWrites.waitFor(result.position, context.organization);
    return result.after!.accommodations;
  }
}

@CommandHandler(RevokeAccommodationCommand)
export class RevokeAccommodationHandler implements ICommandHandler<RevokeAccommodationCommand, readonly Accommodation[]> {
  constructor(private readonly support: RegistrationSupport) {}

  execute(command: RevokeAccommodationCommand): Promise<readonly Accommodation[]> {
    return this.support.oneAtATime.run(command.registrationId, () => this.revoke(command));
  }

  private async revoke({ registrationId, accommodationType, context }: RevokeAccommodationCommand): Promise<readonly Accommodation[]> {
    const result = await this.support.update(
      registrationId,
      (state) =>
        registrationDecider.decide(
          { type: 'RevokeAccommodation', registrationId, organization: context.organization, accommodationType },
          state,
        ),
      context,
    );
    await this.support.readYourWrites.waitFor(result.position, context.organization);
    return result.after!.accommodations;
  }
}
