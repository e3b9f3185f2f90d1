import { applyDecorators, Body, Controller, Delete, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
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
import { blankToNull, trimmedOrNull } from '../http/free-text.js';
import { RequireScope } from '../http/auth.js';
import { CommandCtx } from '../http/request-context.js';
import { UuidParamPipe } from '../http/validation.js';
import { ApiConflictResponse } from '../openapi/conflict-response.js';
import { AnswersNotFound } from '../openapi/routes.js';
import {
  AccommodationBody,
  ChangeAssessmentBody,
  EXAMPLE,
  ExamAssignmentView,
  GrantAccommodationBody,
  ReasonBody,
  RegisterLaxBody,
  RegistrationAccommodationsView,
  RegistrationCancelledView,
  RegistrationFormView,
  RevokeAccommodationBody,
  TransferLaxBody,
} from './registrations.dto.js';

const registrationParam = ApiParam({
  name: 'registration',
  description: 'Registration id (UUID; upper case accepted, returned lower case)',
  schema: { type: 'string', format: 'uuid' },
  example: EXAMPLE.registration,
});
/** register-lax and transfer-lax answer 201 when they created the exam event, else 200. */
const assignmentResponses = (what: string) =>
  applyDecorators(
    ApiCreatedResponse({ type: ExamAssignmentView, description: `${what}; a new exam event was created` }),
    ApiOkResponse({ type: ExamAssignmentView, description: `${what} on an existing exam event` }),
  );
const accommodationsResponse = ApiOkResponse({ type: RegistrationAccommodationsView, description: 'The accommodations the registration holds' });

const orNull = <T>(value: T | null | undefined): T | null => value ?? null;

function accommodations(body: readonly AccommodationBody[] | null | undefined): AccommodationRequest[] {
  return (body ?? []).map((a) => ({
    Type: a.Type?.trim() ?? '',
    Name: trimmedOrNull(a.Name),
    TimeExtension: orNull(a.TimeExtension),
  }));
}

/** The registration commands of spec §4 (scope booking:write). */
@Controller('api/registrations')
@RequireScope('booking:write')
export class RegistrationCommandsController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post(':registration/commands/register-lax')
  @AnswersNotFound(false)
  @ApiOperation({
    summary: 'Register a learner, finding or creating the exam event',
    description:
      'Checks in this order, the first failure wins: an accommodation with an empty `Type` → 400 `Accommodation type cannot ' +
      'be empty`; 400 `Learner not found`; 400 `Assessment form not found`; registration id already used (any organization) ' +
      '→ 409 `Registration already exists`; then the exam event is found (the highest-numbered non-cancelled, ' +
      'non-Individual event at `EventVenue` starting within the same minute) or created as POST /api/events would, with ' +
      'its errors. The registration is `Registered`, `Eligible`, with the form attached to the event.',
  })
  @registrationParam
  @ApiBody({ type: RegisterLaxBody })
  @assignmentResponses('Registered')
  @ApiConflictResponse('Registration already exists')
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
      registrantType: trimmedOrNull(body.LearnerRegistrantType),
      assessment: blankToNull(body.Assessment),
      accommodations: accommodations(body.Accommodations),
    };
    const command = new RegisterLaxCommand(registration, request, generatePasscode(), context);
    return this.answerAssignment(await this.commandBus.execute<RegisterLaxCommand, ExamAssignment>(command), reply);
  }

  @Post(':registration/commands/transfer-lax')
  @ApiOperation({
    summary: 'Move a registration to another exam event, finding or creating it',
    description:
      '404 `Registration not found`; 409 `Registration is cancelled`; 400 `Learner not found`; 400 `Learner does not belong ' +
      'to registration`; 409 `Registration cannot hold more than 100 accommodations` (held and granted together); then ' +
      'find-or-create with the current event’s format and billing code (and exam type unless ' +
      'overridden); 409 `Registration already assigned to event` when that is its current event. The assessment form ' +
      'stays. An `Individual` event left with no active registration is cancelled.',
  })
  @registrationParam
  @ApiBody({ type: TransferLaxBody })
  @assignmentResponses('Transferred')
  @ApiConflictResponse('Registration is cancelled', 'Registration already assigned to event', 'Registration cannot hold more than 100 accommodations')
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
      reason: trimmedOrNull(body.Reason),
      accommodations: accommodations(body.Accommodations),
    };
    const command = new TransferLaxCommand(registration, request, context);
    return this.answerAssignment(await this.commandBus.execute<TransferLaxCommand, ExamAssignment>(command), reply);
  }

  @Post(':registration/commands/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a registration',
    description:
      '404 `Registration not found`. Cancelling a cancelled registration succeeds and changes nothing. An `Individual` ' +
      'event left with no active registration is cancelled. The body may be omitted.',
  })
  @registrationParam
  @ApiBody({ type: ReasonBody, required: false })
  @ApiOkResponse({ type: RegistrationCancelledView, description: 'Cancelled' })
  async cancel(
    @Param('registration', UuidParamPipe) registration: string,
    @Body() body: ReasonBody,
    @CommandCtx() context: CommandContext,
  ) {
    await this.commandBus.execute(new CancelRegistrationCommand(registration, trimmedOrNull(body.Reason), context));
    return { Registration: registration, Status: 'Cancelled' };
  }

  @Post(':registration/commands/change-assessment')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Assign another assessment form',
    description:
      '404 `Registration not found`; 409 `Registration is cancelled`; 400 `Assessment form not found`; 409 `Assessment ' +
      'already assigned to registration`. Eligibility and approval become `Eligible`; the exam time limit is recomputed.',
  })
  @registrationParam
  @ApiBody({ type: ChangeAssessmentBody })
  @ApiOkResponse({ type: RegistrationFormView, description: 'Form assigned' })
  @ApiConflictResponse('Registration is cancelled', 'Assessment already assigned to registration')
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
  @ApiOperation({
    summary: 'Grant an accommodation (replaces one of the same type)',
    description:
      '400 `Accommodation type cannot be empty`; 404 `Registration not found`; 409 `Registration is cancelled`; 409 ' +
      '`Registration cannot hold more than 100 accommodations` (a new type beyond them). The exam time limit is recomputed.',
  })
  @registrationParam
  @ApiBody({ type: GrantAccommodationBody })
  @accommodationsResponse
  @ApiConflictResponse('Registration is cancelled', 'Registration cannot hold more than 100 accommodations')
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
  @ApiOperation({
    summary: 'Revoke an accommodation',
    description: '404 `Registration not found`. Revoking a type the registration does not hold succeeds and changes nothing.',
  })
  @registrationParam
  @ApiBody({ type: RevokeAccommodationBody })
  @accommodationsResponse
  async revokeAccommodation(
    @Param('registration', UuidParamPipe) registration: string,
    @Body() body: RevokeAccommodationBody,
    @CommandCtx() context: CommandContext,
  ) {
    const held = await this.commandBus.execute<RevokeAccommodationCommand, readonly Accommodation[]>(
      new RevokeAccommodationCommand(registration, body.Type.trim(), context),
    );
    return { Registration: registration, Accommodations: held };
  }

  @Delete(':registration')
  @AnswersNotFound(false)
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a registration (idempotent)',
    description:
      'The registration disappears from search, count and retrieve and stops counting on its event; its history stays for ' +
      'auditors. An `Individual` event left with no active registration is cancelled.',
  })
  @registrationParam
  @ApiNoContentResponse({ description: 'Deleted, or did not exist' })
  async delete(@Param('registration', UuidParamPipe) registration: string, @CommandCtx() context: CommandContext) {
    await this.commandBus.execute(new DeleteRegistrationCommand(registration, context));
  }

  private answerAssignment({ Exam, Registration, created }: ExamAssignment, reply: FastifyReply) {
    void reply.status(created ? 201 : 200);
    return { Exam, Registration };
  }
}
