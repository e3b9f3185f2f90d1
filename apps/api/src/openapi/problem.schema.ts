import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Documentation of the one error shape (RFC 9457), see apps/api/src/http/problem-details.ts. */
export class FieldProblemSchema {
  @ApiProperty({ type: String, example: 'EventStart', description: 'The request field at fault (dotted path for nested fields).' })
  field!: string;

  @ApiProperty({ type: String, example: 'must be an ISO 8601 time with an offset' })
  message!: string;
}

export class ProblemDetailsSchema {
  @ApiProperty({ type: String, example: 'https://httpstatuses.io/400' })
  type!: string;

  @ApiProperty({ type: String, example: 'Bad Request' })
  title!: string;

  @ApiProperty({ type: 'integer', example: 400 })
  status!: number;

  @ApiProperty({ type: String, example: 'The request is invalid', description: 'The human message; the spec lists the exact texts.' })
  detail!: string;

  @ApiPropertyOptional({ type: [FieldProblemSchema], description: 'Every shape problem of the request, one per field.' })
  errors?: FieldProblemSchema[];
}
