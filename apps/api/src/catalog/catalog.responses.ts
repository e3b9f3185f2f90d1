import { ApiProperty } from '@nestjs/swagger';
import { FORM_STATUSES } from '../../../../libs/domain/src/catalog/catalog.events.js';
import { nullableEnum } from '../openapi/nullable-enum.js';

/** Response shapes of the catalog endpoints, for the OpenAPI document only. */
const text = (example: string | null) => ApiProperty({ type: String, nullable: true, example });
const UUID_EXAMPLE = '2b4c1f8e-0000-4000-8000-000000000002';

export class AddressView {
  @text('1 Main Street') Street!: string | null;
  @text('Victoria') City!: string | null;
  @text('BC') Province!: string | null;
  @text('V8W 1A1') PostalCode!: string | null;
  @text('Canada') Country!: string | null;
}

export class VenueView {
  @ApiProperty({ type: String, format: 'uuid', example: UUID_EXAMPLE }) VenueIdentifier!: string;
  @ApiProperty({ type: String, example: 'North Hall' }) Name!: string;
  @ApiProperty({ type: String, example: 'America/Vancouver' }) TimeZone!: string;
  @ApiProperty({ type: () => AddressView, nullable: true }) Address!: AddressView | null;
}

export class LearnerView {
  @ApiProperty({ type: String, format: 'uuid', example: UUID_EXAMPLE }) LearnerIdentifier!: string;
  @ApiProperty({ type: String, example: 'Ada Lovelace' }) Name!: string;
  @text('ada@example.org') Email!: string | null;
  @text('P-1') Code!: string | null;
}

export class AssessmentFormView {
  @ApiProperty({ type: String, format: 'uuid', example: UUID_EXAMPLE }) AssessmentFormIdentifier!: string;
  @ApiProperty({ type: String, example: 'MATH-1' }) Code!: string;
  @text(null) Name!: string | null;
  @text('Mathematics') Title!: string | null;
  @ApiProperty({ enum: nullableEnum(FORM_STATUSES), nullable: true, example: 'Published' }) Status!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 3 }) Asset!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 90 }) TimeLimit!: number | null;
}

export class BillingCodeView {
  @ApiProperty({ type: String, example: 'Exam Fee (3h)' }) Code!: string;
  @ApiProperty({ type: 'integer', nullable: true, example: null }) Duration!: number | null;
  @ApiProperty({ type: 'integer', example: 180, description: 'Minutes: Duration, else N×60 for a code ending in (Nh) or (Nhr), else 0' })
  ExamDuration!: number;
}
