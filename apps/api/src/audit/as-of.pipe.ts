import { Injectable } from '@nestjs/common';
import { parseOffsetDateTime } from '../../../../libs/domain/src/shared/time.js';
import { QueryParamPipe } from '../http/validation.js';

/** The optional `asOf` query parameter: an ISO 8601 time with an offset, like every time in the API. */
@Injectable()
export class AsOfPipe extends QueryParamPipe<Date> {
  protected readonly expected = 'must be an ISO 8601 time with an offset';

  protected parse(value: unknown): Date | null {
    return typeof value === 'string' ? parseOffsetDateTime(value) : null;
  }
}
