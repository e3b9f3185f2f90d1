import { IsInt, IsOptional, IsString, Max, MaxLength, Min, registerDecorator, ValidationOptions } from 'class-validator';
import { parseOffsetDateTime } from '../../../../libs/domain/src/shared/time.js';

/** Instants whose `toISOString()` has a four-digit year, so stored times compare as text. */
const EARLIEST = Date.parse('0000-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** The instant of an ISO 8601 date-time with an offset, or null when it is not one (or out of range). */
export function instantOf(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const instant = parseOffsetDateTime(value);
  if (instant === null || instant.getTime() < EARLIEST || instant.getTime() > LATEST) return null;
  return instant;
}

/** An ISO 8601 date-time that carries its offset (`Z` counts), e.g. `2026-03-01T09:00:00-08:00`. */
export function IsOffsetDateTime(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isOffsetDateTime',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be an ISO 8601 date-time with an offset', ...options },
      validator: { validate: (value: unknown) => instantOf(value) !== null },
    });
}

const TEXT = 500;
export const DEFAULT_TAKE = 100;
export const MAX_TAKE = 1000;

/** The criteria of both search and count (spec §5); every one is optional and they are AND-ed. */
export class RegistrationCriteriaBody {
  @IsOptional() @IsString() @MaxLength(TEXT) Name?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) Email?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) Code?: string | null;
  @IsOptional() @IsOffsetDateTime() LastChangeTimeSince?: string | null;
  @IsOptional() @IsOffsetDateTime() LastChangeTimeBefore?: string | null;
}

export class SearchRegistrationsBody extends RegistrationCriteriaBody {
  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) Skip?: number | null;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_TAKE) Take?: number | null;
}
