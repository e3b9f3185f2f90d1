/**
 * Request shapes of the registration commands (step one of spec §1: types, UUIDs, times with
 * offsets, whole minutes, array shapes, lengths). What the spec names as a domain check (an empty
 * accommodation `Type`, an unknown learner or form, invalid exam type values) passes here and is
 * refused by the handlers with the spec's message.
 */
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { parseOffsetDateTime } from '../../../../libs/domain/src/shared/time.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEXT = 500;
const BILLING_CODE = 100;
/** A registration holds one accommodation per type; far more than any learner needs. */
const MAX_ACCOMMODATIONS = 100;

const IsUuid = () => Matches(UUID, { message: 'must be a UUID' });

/** An ISO 8601 date-time with an offset (`Z` counts); one without an offset is refused. */
export function IsOffsetDateTime(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isOffsetDateTime',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T09:00:00-08:00', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && parseOffsetDateTime(value) !== null },
    });
}

/** Whole minutes ≥ 0 wherever a time extension appears. */
const IsMinutes = (): PropertyDecorator => (target, property) => {
  IsInt({ message: 'must be a whole number of minutes' })(target, property);
  Min(0, { message: 'must be 0 or more minutes' })(target, property);
};

export class AccommodationBody {
  /** Blank or missing is the domain's `Accommodation type cannot be empty`. */
  @IsOptional() @IsString() @MaxLength(TEXT) Type?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) Name?: string | null;
  @IsOptional() @IsMinutes() TimeExtension?: number | null;
}

const Accommodations = (): PropertyDecorator => (target, property) => {
  IsOptional()(target, property);
  IsArray()(target, property);
  ArrayMaxSize(MAX_ACCOMMODATIONS)(target, property);
  IsObject({ each: true, message: 'must be an array of objects' })(target, property);
  ValidateNested({ each: true })(target, property);
  Type(() => AccommodationBody)(target, property);
};

export class RegisterLaxBody {
  @IsUuid() EventVenue!: string;
  @IsOffsetDateTime() EventStart!: string;
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamType?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamFormat?: string | null;
  @IsOptional() @IsString() @MaxLength(BILLING_CODE) EventBillingCode?: string | null;
  @IsUuid() Learner!: string;
  @IsOptional() @IsString() @MaxLength(TEXT) LearnerRegistrantType?: string | null;
  /** The form's code; missing or blank is the domain's `Assessment form not found`. */
  @IsOptional() @IsString() @MaxLength(TEXT) Assessment?: string | null;
  @Accommodations() Accommodations?: AccommodationBody[] | null;
}

export class TransferLaxBody {
  @IsUuid() EventVenue!: string;
  @IsOffsetDateTime() EventStart!: string;
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamType?: string | null;
  @IsUuid() Learner!: string;
  @IsOptional() @IsString() @MaxLength(TEXT) Reason?: string | null;
  @Accommodations() Accommodations?: AccommodationBody[] | null;
}

export class ReasonBody {
  @IsOptional() @IsString() @MaxLength(TEXT) Reason?: string | null;
}

export class ChangeAssessmentBody {
  @IsOptional() @IsString() @MaxLength(TEXT) Assessment?: string | null;
}

export class GrantAccommodationBody extends AccommodationBody {}

export class RevokeAccommodationBody {
  @IsString() @Matches(/\S/, { message: 'must not be blank' }) @MaxLength(TEXT) Type!: string;
}
