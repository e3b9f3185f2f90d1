/**
 * Validates and normalises what callers hand to a read store, so that both adapters translate
 * the same small, checked vocabulary. Anything that is not plainly a value (an unknown operator,
 * an object where a scalar belongs, a field name that could be a path or an operator) is refused
 * here, before it could reach SQL or a MongoDB query document.
 */
import type { FieldCondition, Filter, FindOptions, Scalar, SortSpec } from './read-store.js';

export type Clause =
  | { field: string; op: 'eq' | 'ne'; value: Scalar }
  | { field: string; op: 'in'; values: Scalar[] }
  | { field: string; op: 'gte' | 'lt'; value: string | number }
  | { field: string; op: 'contains'; text: string };

export interface NormalizedFind {
  /** Always ends with `_id` ascending, so ties and pages are stable and both adapters agree. */
  sort: Array<[field: string, direction: 1 | -1]>;
  skip: number;
  /** null = no limit. */
  limit: number | null;
}

/** Top-level field names only: no dots (paths) and no `$` (operators). */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const OPERATORS = new Set(['$eq', '$ne', '$in', '$gte', '$lt', '$contains']);

export function assertFieldName(field: string): void {
  // __proto__ would reach the prototype of the objects that hold documents, not a field.
  if (typeof field !== 'string' || !FIELD_NAME.test(field) || field === '__proto__') {
    throw new TypeError(`Invalid field name: ${JSON.stringify(field)}`);
  }
}

export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new TypeError(`Invalid collection name: ${JSON.stringify(name)}`);
  }
}

/** Ids reach queries from URLs; anything but a string (e.g. an object) is refused. */
export function assertDocId(id: unknown): asserts id is string {
  if (typeof id !== 'string') throw new TypeError(`Document id must be a string, got ${typeof id}`);
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function scalar(value: unknown, what: string): Scalar {
  if (!isScalar(value)) throw new TypeError(`${what} must be a string, finite number, boolean or null`);
  return value;
}

function bound(value: unknown, what: string): string | number {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new TypeError(`${what} must be a string or a finite number`);
}

function clausesOf(field: string, condition: FieldCondition | undefined): Clause[] {
  if (condition === undefined) return [];
  if (isScalar(condition)) return [{ field, op: 'eq', value: condition }];
  if (typeof condition !== 'object' || Array.isArray(condition)) {
    throw new TypeError(`Condition on ${field} must be a scalar or an operator object`);
  }
  const clauses: Clause[] = [];
  for (const [operator, operand] of Object.entries(condition)) {
    if (!OPERATORS.has(operator)) throw new TypeError(`Unknown operator ${JSON.stringify(operator)} on ${field}`);
    // An operator left undefined (an optional criterion that was not given) sets no condition.
    if (operand === undefined) continue;
    const what = `${operator} on ${field}`;
    switch (operator) {
      case '$eq':
        clauses.push({ field, op: 'eq', value: scalar(operand, what) });
        break;
      case '$ne':
        clauses.push({ field, op: 'ne', value: scalar(operand, what) });
        break;
      case '$in':
        if (!Array.isArray(operand)) throw new TypeError(`${what} must be an array`);
        clauses.push({ field, op: 'in', values: operand.map((v) => scalar(v, what)) });
        break;
      case '$gte':
        clauses.push({ field, op: 'gte', value: bound(operand, what) });
        break;
      case '$lt':
        clauses.push({ field, op: 'lt', value: bound(operand, what) });
        break;
      case '$contains':
        if (typeof operand !== 'string') throw new TypeError(`${what} must be a string`);
        clauses.push({ field, op: 'contains', text: operand });
        break;
    }
  }
  return clauses;
}

export function normalizeFilter(filter: Filter): Clause[] {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new TypeError('Filter must be an object');
  }
  return Object.entries(filter).flatMap(([field, condition]) => {
    assertFieldName(field);
    return clausesOf(field, condition);
  });
}

function normalizeSort(sort: SortSpec | undefined): Array<[string, 1 | -1]> {
  const keys: Array<[string, 1 | -1]> = [];
  for (const [field, direction] of sort ?? []) {
    assertFieldName(field);
    if (direction !== 1 && direction !== -1) throw new TypeError(`Sort direction of ${field} must be 1 or -1`);
    if (keys.some(([f]) => f === field)) continue;
    keys.push([field, direction]);
  }
  if (!keys.some(([f]) => f === '_id')) keys.push(['_id', 1]);
  return keys;
}

function count(value: number | undefined, what: string): number | null {
  if (value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${what} must be a non-negative integer`);
  return value;
}

export function normalizeFind(options: FindOptions = {}): NormalizedFind {
  return {
    sort: normalizeSort(options.sort),
    skip: count(options.skip, 'skip') ?? 0,
    limit: count(options.limit, 'limit'),
  };
}

/** The fields a patch/updateMany sets; undefined values are left out (as JSON would drop them). */
export function normalizeSet(set: Record<string, unknown>): Array<[string, unknown]> {
  if (set === null || typeof set !== 'object' || Array.isArray(set)) throw new TypeError('set must be an object');
  return Object.entries(set).filter(([field, value]) => {
    assertFieldName(field);
    if (field === '_id') throw new TypeError('The _id of a document cannot be changed');
    return value !== undefined;
  });
}

/** A batch's position as stored in a checkpoint. */
export function checkpointText(position: unknown): string {
  if (typeof position !== 'bigint' || position < 0n) {
    throw new TypeError('A batch must return its position as a non-negative bigint');
  }
  return position.toString();
}

const OPERATOR_OF: Record<Clause['op'], string> = { eq: '$eq', ne: '$ne', in: '$in', gte: '$gte', lt: '$lt', contains: '$contains' };

/**
 * The filter of checked clauses, as plain data (strings, numbers, booleans, null, arrays): what
 * normalizes to the same clauses, in their order, and can be sent to another thread as it is.
 */
export function filterOf(clauses: readonly Clause[]): Filter {
  const filter: Record<string, Record<string, unknown>> = {};
  for (const clause of clauses) {
    const operand = clause.op === 'in' ? clause.values : clause.op === 'contains' ? clause.text : clause.value;
    (filter[clause.field] ??= {})[OPERATOR_OF[clause.op]] = operand;
  }
  return filter as Filter;
}

/** The options of a checked find, as plain data (see filterOf). */
export function findOptionsOf(find: NormalizedFind): FindOptions {
  return { sort: find.sort, skip: find.skip, limit: find.limit ?? undefined };
}
