import { Body, Controller, Delete, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../libs/application/src/event-sourcing/command-context.js';
import { generatePasscode } from '../../../../libs/application/src/registrations/passcode.js';
import {
  CancelRegistrationCommand,
  ChangeAssessmentCommand,
  DeleteRegistrationCommand,
  ExamAssignment,
  GrantAccommodationCommand,
  RegisterLaxCommand,
  RevokeAccommodationCommand,
  TransferLaxCommand,
} from '../../../../libs/application/src/registrations/registration.commands.js';
import type { AccommodationRequest } from '../../../../libs/domain/src/registration/registration.commands.js';
import type { Accommodation } from '../../../../libs/domain/src/registration/registration.events.js';
import { RequireScope } from '../http/auth.js';
import { CommandCtx } from '../http/request-context.js';
import { UuidParamPipe } from '../http/validation.js';
import {
  AccommodationBody,
  ChangeAssessmentBody,
  GrantAccommodationBody,
  ReasonBody,
  RegisterLaxBody,
  RevokeAccommodationBody,
  TransferLaxBody,
} from './registrations.dto.js';

const orNull = <T>(value: T | null | undefined): T | null => value ?? null;
const blankToNull = (value: string | null | undefined): string | null =>
  value === undefined || value === null || value.trim() === '' ? null : value;

function accommodations(body: readonly AccommodationBody[] | null | undefined): AccommodationRequest[] {
  return (body ?? []).map((a) => ({
    Type: a.Type ?? '',
    Name: blankToNull(a.Name),
    TimeExtension: orNull(a.TimeExtension),
  }));
}

/** The registration commands of spec §4 (scope booking:write). */
@Controller('api/registrations')
@RequireScope('booking:write')
export class RegistrationCommandsController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post(':registration/commands/register-lax')
  async registerLax(
    @Param('registration', UuidParamPipe) registration: string,
    @Body() body: RegisterLaxBody,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const request = {
      venueId: body.EventVenue.toLowerCase(),
      start: body.EventStart,
      examType: blankToNull(body.EventExamType),
      format: blankToNull(body.EventExamFormat),
      billingCode: blankToNull(body.EventBillingCode),
      learnerId: body.Learner.toLowerCase(),
      registrantType: blankToNull(body.LearnerRegistrantType),
      assessment: blankToNull(body.Assessment),
      accommodations: accommodations(body.Accommodations),
    };
    const command = new RegisterLaxCommand(registration, request, generatePasscode(), context);
    return this.answerAssignment(await this.commandBus.execute<RegisterLaxCommand, ExamAssignment>(command), reply);
  }

  @Post(':registration/commands/transfer-lax')
  async transferLax(
    @Param('registration', UuidParamPipe) registration: string,
    @Body() body: TransferLaxBody,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const request = {
      venueId: body.EventVenue.toLowerCase(),
      start: body.EventStart,
      examType: blankToNull(body.EventExamType),
      learnerId: body.Learner.toLowerCase(),
      reason: blankToNull(body.Reason),
      accommodations: accommodations(body.Accommodations),
    };
    const command = new TransferLaxCommand(registration, request, context);
    return this.answerAssignment(await this.commandBus.execute<TransferLaxCommand, ExamAssignment>(command), reply);
  }

  @Post(':registration/commands/cancel')
  @HttpCode(200)
  async cancel(
    @Param('registration', UuidParamPipe) registration: string,
    @Body() body: ReasonBody,
    @CommandCtx() context: CommandContext,
  ) {
    await this.commandBus.execute(new CancelRegistrationCommand(registration, blankToNull(body.Reason), context));
    return { Registration: registration, Status: 'Cancelled' };
  }

  @Post(':registration/commands/change-assessment')
  @HttpCode(200)
  async changeAssessment(
    @Param('registration', UuidParamPipe) registration: string,
    @Body() body: ChangeAssessmentBody,
    @CommandCtx() context: CommandContext,
  ) {
    const { formId } = await this.commandBus.execute<ChangeAssessmentCommand, { formId: string }>(
      new ChangeAssessmentCommand(registration, blankToNull(body.Assessment), context),
    );
    return { Registration: registration, Form: formId };
  }

  @Post(':registration/commands/grant-accommodation')
  @HttpCode(200)
  async grantAccommodation(
    @Param('registration', UuidParamPipe) registration: string,
    @Body() body: GrantAccommodationBody,
    @CommandCtx() context: CommandContext,
  ) {
    const [accommodation] = accommodations([body]);
    const held = await this.commandBus.execute<GrantAccommodationCommand, readonly Accommodation[]>(
      new GrantAccommodationCommand(registration, accommodation, context),
    );
    return { Registration: registration, Accommodations: held };
  }

  @Post(':registration/commands/revoke-accommodation')
  @HttpCode(200)
  async revokeAccommodation(
    @Param('registration', UuidParamPipe) registration: string,
    @Body() body: RevokeAccommodationBody,
    @CommandCtx() context: CommandContext,
  ) {
    const held = await this.commandBus.execute<RevokeAccommodationCommand, readonly Accommodation[]>(
      new RevokeAccommodationCommand(registration, body.Type, context),
    );
    return { Registration: registration, Accommodations: held };
  }

  @Delete(':registration')
  @HttpCode(204)
  async delete(@Param('registration', UuidParamPipe) registration: string, @CommandCtx() context: CommandContext) {
    await this.commandBus.execute(new DeleteRegistrationCommand(registration, context));
  }

  private answerAssignment({ Exam, Registration, created }: ExamAssignment, reply: FastifyReply) {
    void reply.status(created ? 201 : 200);
    return { Exam, Registration };
  }
}
