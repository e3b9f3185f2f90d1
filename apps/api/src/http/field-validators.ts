import { applyDecorators } from '@nestjs/common';
import { Matches, Max, registerDecorator, ValidateIf, ValidationOptions } from 'class-validator';
import { UUID_PATTERN } from '../../../../libs/domain/src/shared/ids.js';
import { isStorableInstant, isValidTimeZone, parseOffsetDateTime } from '../../../../libs/domain/src/shared/time.js';

/** Field validators shared by the request DTOs of every slice. */

/** The instant of an ISO 8601 date-time with an offset, or null when it is not one (or out of range). */
export function instantOf(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const instant = parseOffsetDateTime(value);
  // Years 0000–9999 once in UTC, so that stored times compare as text.
  if (instant === null || !isStorableInstant(instant)) return null;
  return instant;
}

/** A property decorator of class-validator checking `validate`, with `message` unless the options say otherwise. */
function fieldCheck(name: string, message: string, validate: (value: unknown) => boolean) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target, propertyName) =>
      registerDecorator({ name, target: target.constructor, propertyName: propertyName as string, options: { message, ...options }, validator: { validate } });
}

/**
 * Several checks as one decorator, reported as if written above the property in this order: a
 * field's problem is the first listed check that failed (validation.ts reports the last one
 * class-validator records, and it records a property's decorators in the order they are applied,
 * which TypeScript does bottom-up). So a text sent for a number is "must be a whole number", not
 * the range check that a text fails as well.
 */
export function checksInListedOrder(...checks: PropertyDecorator[]): PropertyDecorator {
  return applyDecorators(...[...checks].reverse());
}

/** An ISO 8601 date-time that carries its offset (`Z` counts), e.g. `2026-03-01T09:00:00-08:00`. */
export const IsOffsetDateTime = fieldCheck('isOffsetDateTime', '$property must be an ISO 8601 date-time with an offset', (value) => instantOf(value) !== null);

/** An IANA time zone name that this runtime knows (e.g. `America/Vancouver`), surrounding spaces ignored. */
export const IsTimeZone = fieldCheck('isTimeZone', 'must be an IANA time zone name', (value) => typeof value === 'string' && isValidTimeZone(value.trim()));

/**
 * An integer that JSON numbers carry exactly (±2⁵³ − 1): `IsInt` alone passes 1e20, which would be
 * stored as a different number than the one sent.
 */
export const IsSafeInteger = fieldCheck('isSafeInteger', '$property must be an integer from -9007199254740991 to 9007199254740991', (value) =>
  Number.isSafeInteger(value),
);

/** Like `@IsOptional`, and blank text too is "not specified" (spec §1): the field's checks are skipped. */
export const IsOptionalOrBlank = () =>
  ValidateIf((_object, value: unknown) => value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === ''));

/** A UUID in any case (normalised to lower case by the controllers). */
export const IsUuid = (options?: ValidationOptions) =>
  Matches(UUID_PATTERN, { message: 'must be a UUID', ...options });

/** Text with at least one character that is not white space ("not specified" includes blank). */
export const IsNotBlank = (options?: ValidationOptions) => Matches(/\S/, { message: 'must not be blank', ...options });

/**
 * A year of minutes: far beyond any exam, and small enough that an exam event's end (start plus
 * the billing code's duration) and a time limit plus its extensions stay exact, valid instants.
 */
export const MAX_MINUTES = 365 * 24 * 60;

/** Minutes fields (durations, time limits, extensions) are at most MAX_MINUTES. */
export const AtMostMaxMinutes = (options?: ValidationOptions) =>
  Max(MAX_MINUTES, { message: `$property must be at most ${MAX_MINUTES} minutes (a year)`, ...options });
