import { ArgumentMetadata, Injectable, PipeTransform, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { length, validateSync, type ValidatorOptions } from 'class-validator';
import { FieldProblem, RequestValidationError } from './problem-details.js';
import { isUuid } from '../../../../libs/domain/src/shared/ids.js';

const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: false,
  validationError: { target: false, value: false },
};
/** class-validator's name for `@ValidateNested`'s own problem: a value that is neither an object nor an array. */
const NESTED_VALUE_CHECK = 'nestedValidation';
const NOT_AN_OBJECT: FieldProblem = { field: 'body', message: 'must be a JSON object' };

/** No body at all (e.g. cancel without a reason) means "no fields"; anything else, JSON's `null` included, must be an object. */
function bodyObjectOf(value: unknown): object | null {
  if (value === undefined || value === '') return {};
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
}

/**
 * One problem per field: the first of its checks, in the order the DTO lists them, that failed.
 * A number sent for a text field is "must be a string", not also "must be shorter than 500
 * characters". class-validator runs a property's decorators bottom-up (the order TypeScript
 * applies them), so that check is the last constraint it reports. Its check that a nested value
 * is an object or an array comes after all of them, whatever the order: it is the problem only
 * when nothing else is (a text sent for an array is "must be an array").
 */
function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const { [NESTED_VALUE_CHECK]: nested, ...others } = error.constraints ?? {};
    const messages = Object.values(others);
    const message = messages.length > 0 ? messages[messages.length - 1] : nested;
    const own = message !== undefined ? [{ field, message }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Shape validation of request bodies and queries (step one of spec §1): every problem listed per
 * field in one 400. Unknown properties are dropped, not refused (the spec ignores them).
 */
export class BodyValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      ...VALIDATOR_OPTIONS,
      exceptionFactory: (errors) => new RequestValidationError(flatten(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      value = bodyObjectOf(value);
      if (value === null) throw new RequestValidationError([NOT_AN_OBJECT]);
    }
    return super.transform(value, metadata);
  }
}

/**
 * The problems `BodyValidationPipe` finds in a body, found synchronously: the problem filter asks
 * for them when a path parameter failed first (request-shapes.ts).
 */
export function bodyProblemsOf(value: unknown, bodyType: Type): FieldProblem[] {
  const body = bodyObjectOf(value);
  if (body === null) return [NOT_AN_OBJECT];
  return flatten(validateSync(plainToInstance(bodyType, body), VALIDATOR_OPTIONS));
}

/**
 * A checked path parameter: its problem is a 400 naming the parameter. The check is its own
 * method so that the problem filter can run it again, beside the body's (request-shapes.ts).
 */
export abstract class PathParamPipe implements PipeTransform<string, string> {
  abstract problemWith(value: string, name: string): FieldProblem | null;

  /** The value the handler gets once it passed. */
  protected normalised(value: string): string {
    return value;
  }

  transform(value: string, metadata: ArgumentMetadata): string {
    const problem = this.problemWith(value, metadata.data ?? 'id');
    if (problem) throw new RequestValidationError([problem]);
    return this.normalised(value);
  }
}

/** A UUID path parameter, normalised to lower case. */
@Injectable()
export class UuidParamPipe extends PathParamPipe {
  problemWith(value: string, name: string): FieldProblem | null {
    return isUuid(value) ? null : { field: name, message: 'must be a UUID' };
  }

  protected override normalised(value: string): string {
    return value.toLowerCase();
  }
}

/**
 * Billing codes are free text (1–100 characters, case-sensitive), not UUIDs. Characters are
 * counted as `@MaxLength` counts them in `EventBillingCode` (an emoji is one), so that every code a
 * body may name can be defined.
 */
@Injectable()
export class BillingCodeParamPipe extends PathParamPipe {
  problemWith(code: string, name: string): FieldProblem | null {
    if (!length(code, 1, 100)) return { field: name, message: 'must be 1 to 100 characters' };
    // As in bodies (json-bodies.ts); a path cannot carry an unpaired surrogate (not UTF-8: a 400 before this).
    if (code.includes('\u0000')) return { field: name, message: 'must not contain a NUL character' };
    return code.trim() === '' ? { field: name, message: 'must not be blank' } : null;
  }
}

/**
 * A checked optional query parameter: absent is `undefined`; otherwise, like `PathParamPipe`, its
 * check is a method of its own, which the problem filter runs beside the path's (request-shapes.ts).
 */
export abstract class QueryParamPipe<T> implements PipeTransform<unknown, T | undefined> {
  /** What a value that does not parse is told. */
  protected abstract readonly expected: string;

  /** The value the handler gets, or null when `value` is not one. */
  protected abstract parse(value: unknown): T | null;

  problemWith(value: unknown, name: string): FieldProblem | null {
    return value === undefined || this.parse(value) !== null ? null : { field: name, message: this.expected };
  }

  transform(value: unknown, metadata: ArgumentMetadata): T | undefined {
    if (value === undefined) return undefined;
    const parsed = this.parse(value);
    if (parsed === null) throw new RequestValidationError([{ field: metadata.data ?? 'query', message: this.expected }]);
    return parsed;
  }
}
