import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { FORM_STATUSES } from '../../../../libs/domain/src/catalog/catalog.events.js';
import type { FormStatus } from '../../../../libs/domain/src/catalog/catalog.events.js';

/** An IANA time zone name that this runtime knows (e.g. `America/Vancouver`). */
export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be an IANA time zone name', ...options },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || value.trim() === '') return false;
          try {
            new Intl.DateTimeFormat('en-US', { timeZone: value });
            return true;
          } catch {
            return false;
          }
        },
      },
    });
}

const TEXT = 500;

export class AddressBody {
  @IsOptional() @IsString() @MaxLength(TEXT) Street?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) City?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) Province?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) PostalCode?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) Country?: string | null;
}

export class PutVenueBody {
  @IsString() @IsNotEmpty() @MaxLength(TEXT) Name!: string;
  @IsOptional() @IsTimeZone() TimeZone?: string | null;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AddressBody) Address?: AddressBody | null;
}

export class PutLearnerBody {
  @IsString() @IsNotEmpty() @MaxLength(TEXT) Name!: string;
  @IsOptional() @IsString() @MaxLength(TEXT) Email?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) Code?: string | null;
}

export class PutAssessmentFormBody {
  @IsString() @IsNotEmpty() @MaxLength(TEXT) Code!: string;
  @IsOptional() @IsString() @MaxLength(TEXT) Name?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) Title?: string | null;
  @IsOptional() @IsIn(FORM_STATUSES) Status?: FormStatus | null;
  @IsOptional() @IsInt() Asset?: number | null;
  @IsOptional() @IsInt() @Min(0) TimeLimit?: number | null;
}

export class PutBillingCodeBody {
  @IsOptional() @IsInt() @Min(0) Duration?: number | null;
}
