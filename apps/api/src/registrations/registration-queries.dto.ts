import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsOffsetDateTime, IsOptionalOrBlank } from '../http/field-validators.js';

const TEXT = 500;
export const DEFAULT_TAKE = 100;
export const MAX_TAKE = 1000;

/** The criteria of both search and count (spec §5); every one is optional and they are AND-ed. */
export class RegistrationCriteriaBody {
  @IsOptional() @IsString() @MaxLength(TEXT) Name?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) Email?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) Code?: string | null;
  // Blank, like missing or null, is "not specified" (spec §1): no bound.
  @IsOptionalOrBlank() @IsOffsetDateTime() LastChangeTimeSince?: string | null;
  @IsOptionalOrBlank() @IsOffsetDateTime() LastChangeTimeBefore?: string | null;
}

export class SearchRegistrationsBody extends RegistrationCriteriaBody {
  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) Skip?: number | null;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_TAKE) Take?: number | null;
}
