import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { FORM_STATUSES } from '../../../../libs/domain/src/catalog/catalog.events.js';
import type { FormStatus } from '../../../../libs/domain/src/catalog/catalog.events.js';
import { AtMostMaxMinutes, IsNotBlank, IsOptionalOrBlank, IsSafeInteger, IsTimeZone, MAX_MINUTES } from '../http/field-validators.js';
import { nullableEnum } from '../openapi/nullable-enum.js';

const TEXT = 500;

/** Optional, nullable text of at most 500 characters, as documented in OpenAPI. */
const optionalText = (example: string, description?: string) =>
  ApiPropertyOptional({ type: String, nullable: true, maxLength: TEXT, example, description });

export class AddressBody {
  @optionalText('1 Main Street') @IsOptional() @IsString() @MaxLength(TEXT) Street?: string | null;
  @optionalText('Victoria') @IsOptional() @IsString() @MaxLength(TEXT) City?: string | null;
  @optionalText('BC') @IsOptional() @IsString() @MaxLength(TEXT) Province?: string | null;
  @optionalText('V8W 1A1') @IsOptional() @IsString() @MaxLength(TEXT) PostalCode?: string | null;
  @optionalText('Canada') @IsOptional() @IsString() @MaxLength(TEXT) Country?: string | null;
}

export class PutVenueBody {
  @ApiProperty({ type: String, maxLength: TEXT, example: 'North Hall' })
  @IsString() @IsNotBlank() @MaxLength(TEXT) Name!: string;
  @optionalText('America/Vancouver', 'IANA time zone name; exam times at this venue are shown in its offset. Default UTC.')
  // Blank, like missing or null, is "not specified": the default, UTC.
  @IsOptionalOrBlank() @IsTimeZone() TimeZone?: string | null;
  @ApiPropertyOptional({ type: () => AddressBody, nullable: true })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AddressBody) Address?: AddressBody | null;
}

export class PutLearnerBody {
  @ApiProperty({ type: String, maxLength: TEXT, example: 'Ada Lovelace' })
  @IsString() @IsNotBlank() @MaxLength(TEXT) Name!: string;
  @optionalText('ada@example.org') @IsOptional() @IsString() @MaxLength(TEXT) Email?: string | null;
  @optionalText('P-1', 'Person code') @IsOptional() @IsString() @MaxLength(TEXT) Code?: string | null;
}

export class PutAssessmentFormBody {
  @ApiProperty({ type: String, maxLength: TEXT, example: 'MATH-1', description: 'The code register-lax and change-assessment look forms up by' })
  @IsString() @IsNotBlank() @MaxLength(TEXT) Code!: string;
  @optionalText('Mathematics (paper)') @IsOptional() @IsString() @MaxLength(TEXT) Name?: string | null;
  @optionalText('Mathematics') @IsOptional() @IsString() @MaxLength(TEXT) Title?: string | null;
  @ApiPropertyOptional({ enum: nullableEnum(FORM_STATUSES), nullable: true, example: 'Published' })
  @IsOptional() @IsIn(FORM_STATUSES) Status?: FormStatus | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, example: 3, description: 'Higher is newer' })
  @IsOptional() @IsSafeInteger() Asset?: number | null;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_MINUTES, nullable: true, example: 90, description: 'Minutes' })
  @IsOptional() @IsInt() @Min(0) @AtMostMaxMinutes() TimeLimit?: number | null;
}

export class PutBillingCodeBody {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_MINUTES, nullable: true, example: 120, description: 'Exam duration in minutes' })
  @IsOptional() @IsInt() @Min(0) @AtMostMaxMinutes() Duration?: number | null;
}
