import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsOffsetDateTime, IsOptionalOrBlank } from '../http/field-validators.js';

const TEXT = 500;
export const DEFAULT_TAKE = 100;
const MAX_TAKE = 1000;

/** The criteria of both search and count (spec §5); every one is optional and they are AND-ed. */
const substring = (of: string, example: string) =>
  ApiPropertyOptional({ type: String, nullable: true, maxLength: TEXT, example, description: `Case-insensitive substring of the learner's ${of}; blank: no condition` });
const bound = (description: string) =>
  ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, example: '2026-03-01T00:00:00Z', description: `${description}, with an offset; blank: no bound` });

export class RegistrationCriteriaBody {
  @substring('name', 'lovelace') @IsOptional() @IsString() @MaxLength(TEXT) Name?: string | null;
  @substring('email', 'example.org') @IsOptional() @IsString() @MaxLength(TEXT) Email?: string | null;
  @substring('person code', 'P-1') @IsOptional() @IsString() @MaxLength(TEXT) Code?: string | null;
  // Blank, like missing or null, is "not specified" (spec §1): no bound.
  @bound('LastChangeTime at or after this instant') @IsOptionalOrBlank() @IsOffsetDateTime() LastChangeTimeSince?: string | null;
  @bound('LastChangeTime before this instant') @IsOptionalOrBlank() @IsOffsetDateTime() LastChangeTimeBefore?: string | null;
}

export class SearchRegistrationsBody extends RegistrationCriteriaBody {
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'Rows to skip' })
  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) Skip?: number | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, maximum: MAX_TAKE, default: DEFAULT_TAKE, description: 'Rows to return' })
  @IsOptional() @IsInt() @Min(1) @Max(MAX_TAKE) Take?: number | null;
}
