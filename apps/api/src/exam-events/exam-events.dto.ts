import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { EXAM_FORMATS, EXAM_TYPES } from '../../../../libs/domain/src/exam-event/exam-values.js';
import { IsUuid } from '../http/field-validators.js';

const TEXT = 500;
const EVENT_STATUSES = ['Scheduled', 'Cancelled'];

/** Example values of the OpenAPI document (lower-case UUIDs, times with the venue's offset). */
export const EXAMPLE = {
  event: '7d0c6a52-3c1e-4b8e-9f4a-1e2d3c4b5a60',
  venue: '5f1d2c3b-4a59-4e8d-b7c6-0a1b2c3d4e5f',
  organization: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b',
  start: '2027-03-01T09:00:00-08:00',
  end: '2027-03-01T12:00:00-08:00',
  billingCode: 'Exam Fee (3h)',
} as const;

const START_DESCRIPTION =
  'ISO 8601 date-time with an offset (`Z` counts); must be in the future. Returned in the venue’s offset.';

/**
 * POST /api/events/{event}. Only types, the venue's UUID shape, lengths and the limit's range are
 * checked here; whether the values are specified and valid are domain checks 2–6, whose order
 * and messages the spec fixes (a missing venue is `Venue not found`). The OpenAPI document marks
 * the five event fields required, as the spec does: leaving one out is a 400 with that message.
 */
export class ScheduleExamEventBody {
  @ApiProperty({ type: String, format: 'uuid', example: EXAMPLE.venue, description: 'The venue (in the caller’s organization), else 400 `Venue not found`' })
  @IsOptional() @IsString() @IsUuid() EventVenue?: string | null;

  @ApiProperty({ type: String, format: 'date-time', maxLength: 100, example: EXAMPLE.start, description: START_DESCRIPTION })
  @IsOptional() @IsString() @MaxLength(100) EventStart?: string | null;

  @ApiProperty({ enum: EXAM_TYPES, example: 'Class', description: 'Exact and case-sensitive' })
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamType?: string | null;

  @ApiProperty({ enum: EXAM_FORMATS, example: 'Paper', description: 'Exact and case-sensitive' })
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamFormat?: string | null;

  @ApiProperty({
    type: String,
    maxLength: 100,
    example: EXAMPLE.billingCode,
    description: 'A billing code of the organization’s catalog; it sets the exam duration (end = start + duration)',
  })
  @IsOptional() @IsString() @MaxLength(100) EventBillingCode?: string | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, nullable: true, example: 12, description: 'Maximum registrations; absent or null = unlimited' })
  // Bounded like every integer: 1e300 was stored, and 2⁵³ + 1 stored as a number the client never sent.
  @IsOptional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) RegistrationLimit?: number | null;
}

export class CancelExamEventBody {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: TEXT, example: 'Venue closed for maintenance' })
  @IsOptional() @IsString() @MaxLength(TEXT) Reason?: string | null;
}

/* Response shapes, for the OpenAPI document only. */

export class ExamEventCreatedView {
  @ApiProperty({ type: String, format: 'uuid', example: EXAMPLE.event, description: 'The new exam event’s id (lower case)' })
  Exam!: string;
}

/** A row of list-events; also the body of a successful cancel. */
export class ExamEventView {
  @ApiProperty({ type: String, format: 'uuid', example: EXAMPLE.event }) EventIdentifier!: string;
  @ApiProperty({ type: 'integer', example: 1, description: 'Sequence number within the organization (1, 2, 3 …, never reused)' })
  EventNumber!: number;
  @ApiProperty({ type: String, example: 'North Hall / No Exam', description: '`<venue> / No Exam`, `<venue> / <form title>` or `<venue> / Various`' })
  EventTitle!: string;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.start, description: 'In the venue’s offset' }) EventStart!: string;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.end, description: 'Start + the billing code’s duration, in the venue’s offset' })
  EventEnd!: string;
  @ApiProperty({ type: String, format: 'uuid', example: EXAMPLE.venue, description: 'The venue id' }) EventVenue!: string;
  @ApiProperty({ enum: EXAM_TYPES, example: 'Class' }) EventExamType!: string;
  @ApiProperty({ enum: EXAM_FORMATS, example: 'Paper' }) EventFormat!: string;
  @ApiProperty({ type: String, example: EXAMPLE.billingCode }) EventBillingCode!: string;
  @ApiProperty({ enum: EVENT_STATUSES, example: 'Scheduled' }) EventStatus!: string;
  @ApiProperty({ type: 'integer', nullable: true, example: 12, description: 'Null = unlimited' }) RegistrationLimit!: number | null;
  @ApiProperty({ type: 'integer', example: 3, description: 'Active (not cancelled) registrations' }) RegistrationCount!: number;
}

/** A row of the anonymous classes listing: nothing about learners. */
export class ClassView {
  @ApiProperty({ type: String, format: 'uuid', example: EXAMPLE.event, description: 'The exam event id' }) Identifier!: string;
  @ApiProperty({ type: String, example: 'North Hall / Mathematics' }) Title!: string;
  @ApiProperty({ type: String, format: 'date-time', example: EXAMPLE.start, description: 'In the venue’s offset' }) Start!: string;
  @ApiProperty({ enum: EXAM_TYPES, example: 'Class' }) EventExamType!: string;
  @ApiProperty({ enum: EXAM_FORMATS, example: 'Paper' }) EventFormat!: string;
  @ApiProperty({ type: 'integer', nullable: true, example: 12, description: 'Null = unlimited' }) RegistrationLimit!: number | null;
  @ApiProperty({ type: Boolean, example: false, description: 'A limit is set and the active registrations reach it' }) IsFull!: boolean;
}
