import { Injectable, PipeTransform } from '@nestjs/common';
import { parseOffsetDateTime } from '../../../../libs/domain/src/shared/time.js';
import { RequestValidationError } from '../http/problem-details.js';

/** The optional `asOf` query parameter: an ISO 8601 time with an offset, like every time in the API. */
@Injectable()
export class AsOfPipe implements PipeTransform<unknown, Date | undefined> {
  transform(value: unknown): Date | undefined {
    if (value === undefined) return undefined;
    const instant = typeof value === 'string' ? parseOffsetDateTime(value) : null;
    if (instant === null) {
      throw new RequestValidationError([{ field: 'asOf', message: 'must be an ISO 8601 time with an offset' }]);
    }
    return instant;
  }
}
