import { IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEXT = 500;

/**
 * POST /api/events/{event}. Only types, the venue's UUID shape, lengths and the limit's range are
 * checked here; whether the values are specified and valid are domain checks 2–6, whose order
 * and messages the spec fixes (a missing venue is `Venue not found`).
 */
export class ScheduleExamEventBody {
  @IsOptional() @IsString() @Matches(UUID, { message: 'must be a UUID' }) EventVenue?: string | null;
  @IsOptional() @IsString() @MaxLength(100) EventStart?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamType?: string | null;
  @IsOptional() @IsString() @MaxLength(TEXT) EventExamFormat?: string | null;
  @IsOptional() @IsString() @MaxLength(100) EventBillingCode?: string | null;
  @IsOptional() @IsInt() @Min(1) RegistrationLimit?: number | null;
}

export class CancelExamEventBody {
  @IsOptional() @IsString() @MaxLength(TEXT) Reason?: string | null;
}
