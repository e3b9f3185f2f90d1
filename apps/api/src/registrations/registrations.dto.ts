/**
 * Request shapes of the registration commands (step one of spec §1: types, UUIDs, times with
 * offsets, whole minutes, array shapes, lengths). What the spec names as a domain check (an empty
 * accommodation `Type`, an unknown learner or form, invalid exam type values) passes here and is
 * refused by the handlers with the spec's message.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { EXAM_FORMATS, EXAM_TYPES } from '../../../../libs/domain/src/exam-event/exam-values.js';
import { MAX_ACCOMMODATIONS } from '../../../../libs/domain/src/registration/registration.checks.js';
import { AtMostMaxMinutes, checksInListedOrder, IsNotBlank, IsOffsetDateTime, IsUuid, MAX_MINUTES } from '../http/field-validators.js';
import { EXAMPLE as EVENT_EXAMPLE } from '../exam-events/exam-events.dto.js';
import { nullableEnum } from '../openapi/nullable-enum.js';

const TEXT = 500;
const BILLING_CODE = 100;

/** Example values of the OpenAPI document (lower-case UUIDs, exam times in the venue's offset). */
export const EXAMPLE = {
  ...EVENT_EXAMPLE,
  registration: 'c3a1e5f2-8b7d-4e6f-a9c0-5d4e3f2a1b09',
  learner: '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4',
  form: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  formCode: 'MATH-1',
  lastChange: '2026-11-20T17:05:12.345Z',
} as const;

/* OpenAPI documentation of the request fields shared by several bodies. */
const venueDoc = () =>
  ApiProperty({ type: String, format: 'uuid', example: EXAMPLE.venue, description: 'The venue of the exam event (in the caller’s organization)' });
const startDoc = () =>
  ApiProperty({
    type: String,
    format: 'date-time',
    example: EXAMPLE.start,
    description: 'ISO 8601 date-time with an offset (`Z` counts). An exam event at the venue starting within the same minute is joined.',
  });
const learnerDoc = () =>
  ApiProperty({ type: String, format: 'uuid', example: EXAMPLE.learner, description: 'A learner of the organization’s catalog, else 400 `Learner not found`' });
const optionalText = (example: string, description?: string) =>
  ApiPropertyOptional({ type: String, nullable: true, maxLength: TEXT, example, description });
const assessmentDoc = () =>
  ApiProperty({
    type: String,
    maxLength: TEXT,
    example: EXAMPLE.formCode,
    description:
      'Assessment form code (case-insensitive): the Published, non-Bilingual form with that code and the highest `Asset`; ' +
      'none → 400 `Assessment form not found`',
  });
/** Only needed when a new exam event is created (no event to join, or an Individual exam type). */
const newEventOnly = 'Needed only when a new exam event is created (no event at the venue and minute, or an `Individual` type); then checked as POST /api/events checks it.';

/** Whole minutes ≥ 0 wherever a time extension appears. */
const IsMinutes = (): PropertyDecorator =>
  checksInListedOrder(IsInt({ message: 'must be a whole number of minutes' }), Min(0, { message: 'must be 0 or more minutes' }), AtMostMaxMinutes());

export class AccommodationBody {
  /** Blank or missing is the domain's `Accommodation type cannot be empty`. */
  @ApiProperty({
    type: String,
    maxLength: TEXT,
    example: 'Extra time',
    description: 'One accommodation per type (granting an existing type replaces it); empty → 400 `Accommodation type cannot be empty`',
  })
  @IsOptional() @IsString() @MaxLength(TEXT) Type?: string | null;
  @optionalText('Extra time (25%)')
  @IsOptional() @IsString() @MaxLength(TEXT) Name?: string | null;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_MINUTES, nullable: true, example: 30, description: 'Whole minutes added to the exam time limit' })
  @IsOptional() @IsMinutes() TimeExtension?: number | null;
}

const Accommodations = (): PropertyDecorator =>
  checksInListedOrder(
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_ACCOMMODATIONS),
    IsObject({ each: true, message: 'must be an array of objects' }),
    ValidateNested({ each: true }),
    Type(() => AccommodationBody),
  );

const accommodationsDoc = (description: string) =>
  ApiPropertyOptional({ type: () => AccommodationBody, isArray: true, maxItems: MAX_ACCOMMODATIONS, nullable: true, description });

export class RegisterLaxBody {
  @venueDoc() @IsUuid() EventVenue!: string;
  @startDoc() @IsOffsetDateTime() EventStart!: string;
  @ApiPropertyOptional({
    enum: nullableEnum(EXAM_TYPES),
    nullable: true,
    example: 'Class',
    description: `${newEventOnly} \`Individual\` always gets a new event of its own, typed \`Individual (A)\` with accommodations, else \`Individual (N)\`.`,
  })
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamType?: string | null;
  @ApiPropertyOptional({ enum: nullableEnum(EXAM_FORMATS), nullable: true, example: 'Paper', description: newEventOnly })
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamFormat?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: BILLING_CODE, example: EXAMPLE.billingCode, description: newEventOnly })
  @IsOptional() @IsString() @MaxLength(BILLING_CODE) EventBillingCode?: string | null;
  @learnerDoc() @IsUuid() Learner!: string;
  @optionalText('Apprentice', 'Free text')
  @IsOptional() @IsString() @MaxLength(TEXT) LearnerRegistrantType?: string | null;
  /** The form's code; missing or blank is the domain's `Assessment form not found`. */
  @assessmentDoc() @IsOptional() @IsString() @MaxLength(TEXT) Assessment?: string | null;
  @accommodationsDoc('Accommodations the registration holds from the start (one per `Type`)')
  @Accommodations() Accommodations?: AccommodationBody[] | null;
}

export class TransferLaxBody {
  @venueDoc() @IsUuid() EventVenue!: string;
  @startDoc() @IsOffsetDateTime() EventStart!: string;
  @ApiPropertyOptional({
    enum: nullableEnum(EXAM_TYPES),
    nullable: true,
    example: 'Class',
    description: 'Overrides the current event’s exam type; format and billing code always stay those of the current event',
  })
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamType?: string | null;
  @ApiProperty({ type: String, format: 'uuid', example: EXAMPLE.learner, description: 'The registration’s learner (400 `Learner not found` / `Learner does not belong to registration`)' })
  @IsUuid() Learner!: string;
  @optionalText('Venue change requested by the learner')
  @IsOptional() @IsString() @MaxLength(TEXT) Reason?: string | null;
  @accommodationsDoc('Accommodations granted after the move')
  @Accommodations() Accommodations?: AccommodationBody[] | null;
}

export class ReasonBody {
  @optionalText('Learner withdrew')
  @IsOptional() @IsString() @MaxLength(TEXT) Reason?: string | null;
}

export class ChangeAssessmentBody {
  @assessmentDoc() @IsOptional() @IsString() @MaxLength(TEXT) Assessment?: string | null;
}

export class GrantAccommodationBody extends AccommodationBody {}

export class RevokeAccommodationBody {
  @ApiProperty({ type: String, maxLength: TEXT, example: 'Extra time', description: 'The type to revoke; one that is not held changes nothing' })
  @IsString() @IsNotBlank() @MaxLength(TEXT) Type!: string;
}

/* Response shapes, for the OpenAPI document only. */

const uuid = (example: string, description?: string) => ApiProperty({ type: String, format: 'uuid', example, description });
const nullableUuid = (example: string, description?: string) => ApiProperty({ type: String, format: 'uuid', nullable: true, example, description });
const text = (example: string | null, description?: string) => ApiProperty({ type: String, nullable: true, example, description });
const REGISTRATION_STATUSES = ['Registered', 'Cancelled'];

export class ExamAssignmentView {
  @uuid(EXAMPLE.event, 'The exam event the registration is on') Exam!: string;
  @uuid(EXAMPLE.registration) Registration!: string;
}

export class RegistrationCancelledView {
  @uuid(EXAMPLE.registration) Registration!: string;
  @ApiProperty({ enum: ['Cancelled'], example: 'Cancelled' }) Status!: string;
}

export class RegistrationFormView {
  @uuid(EXAMPLE.registration) Registration!: string;
  @uuid(EXAMPLE.form, 'The assessment form now assigned') Form!: string;
}

export class AccommodationView {
  @ApiProperty({ type: String, example: 'Extra time' }) Type!: string;
  @text('Extra time (25%)') Name!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 30, description: 'Minutes' }) TimeExtension!: number | null;
}

export class RegistrationAccommodationsView {
  @uuid(EXAMPLE.registration) Registration!: string;
  @ApiProperty({ type: () => AccommodationView, isArray: true, description: 'Every accommodation the registration now holds' })
  Accommodations!: AccommodationView[];
}

/** A row of POST /api/registrations/search (spec §5). */
export class RegistrationRowView {
  @uuid(EXAMPLE.registration) RegistrationIdentifier!: string;
  @ApiProperty({ enum: REGISTRATION_STATUSES, example: 'Registered' }) RegistrationStatus!: string;
  @text(null, 'Always null: attendance is not taken through this API') AttendanceStatus!: string | null;
  @uuid(EXAMPLE.event) EventIdentifier!: string;
  @ApiProperty({ type: 'integer', nullable: true, example: 1 }) EventNumber!: number | null;
  @ApiProperty({ enum: nullableEnum(EXAM_FORMATS), nullable: true, example: 'Paper' }) EventFormat!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: EXAMPLE.start, description: 'In the venue’s offset' })
  EventScheduledStart!: string | null;
  @nullableUuid(EXAMPLE.venue, 'The venue id') EventVenue!: string | null;
  @nullableUuid(EXAMPLE.form) AssessmentFormIdentifier!: string | null;
  @text(EXAMPLE.formCode) AssessmentFormCode!: string | null;
  @text('Mathematics (paper)') AssessmentFormName!: string | null;
  @text('Mathematics') AssessmentFormTitle!: string | null;
  @uuid(EXAMPLE.learner) LearnerIdentifier!: string;
  @text('P-1') LearnerCode!: string | null;
  @text('Ada Lovelace') LearnerName!: string | null;
  @text('ada@example.org') LearnerEmail!: string | null;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.lastChange, description: 'UTC' }) LastChangeTime!: string;
  @ApiProperty({ type: String, example: 'ExamTimeLimited', description: 'The name of the last domain event that changed the registration' })
  LastChangeType!: string;
}

/** GET /api/registrations/{registration}: the search row fields, then the detail fields (spec §5). */
export class RegistrationDetailView extends RegistrationRowView {
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: EXAMPLE.start, description: 'In the venue’s offset' })
  EventStart!: string | null;
  @text('North Hall / Mathematics') EventTitle!: string | null;
  @ApiProperty({ enum: nullableEnum(EXAM_TYPES), nullable: true, example: 'Class' }) EventExamType!: string | null;
  @ApiProperty({ enum: nullableEnum(['Eligible']), nullable: true, example: 'Eligible' }) EligibilityStatus!: string | null;
  @ApiProperty({ enum: nullableEnum(['Eligible']), nullable: true, example: 'Eligible' }) ApprovalStatus!: string | null;
  @text('Apprentice') RegistrantType!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 120, description: 'Minutes: the form’s TimeLimit + the accommodations’ TimeExtensions; null when the form has none' })
  ExamTimeLimit!: number | null;
  @ApiProperty({ type: () => AccommodationView, isArray: true }) Accommodations!: AccommodationView[];
}
