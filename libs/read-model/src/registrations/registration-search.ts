/**
 * Registration search and count (spec §5) over the registrations read model. Criteria arrive
 * validated (strings are strings, times are instants); they only ever become operands of the read
 * store's filter language, never query syntax.
 */
import type { Filter, ReadStore, SortSpec } from '../read-store.js';
import { REGISTRATION_ROW_VIEW, RegistrationCollections } from './registrations.projection.js';


export interface RegistrationCriteria {
  organization: string;
  /** Case-insensitive substrings of the learner's name, email and code; absent = any. */
  name?: string;
  email?: string;
  code?: string;
  /** LastChangeTime ≥ since (inclusive) and < before (exclusive). */
  since?: Date;
  before?: Date;
}

export interface RegistrationPage {
  skip: number;
  take: number;
}

export interface RegistrationSearchResult {
  /** The page's rows (spec §5 row fields) as the JSON text of an array: it goes to the client as is. */
  rowsJson: string;
  /** Every matching registration, whatever the page. */
  total: number;
}

/**
 * LastChangeTime descending, then RegistrationIdentifier ascending. The row's `_id` is its
 * RegistrationIdentifier; sorting by `_id` lets the (Organization, LastChangeTime, _id) index
 * order the rows.
 */
export const REGISTRATION_ORDER: SortSpec = [
  ['LastChangeTime', -1],
  ['_id', 1],
];

const ROWS = RegistrationCollections.registrations.name;

/** The read-store filter of the criteria: always the caller's organization, every criterion AND-ed. */
export function registrationFilter(criteria: RegistrationCriteria): Filter {
  const filter: Filter = { Organization: criteria.organization };
  if (criteria.name !== undefined) filter.LearnerName = { $contains: criteria.name };
  if (criteria.email !== undefined) filter.LearnerEmail = { $contains: criteria.email };
  if (criteria.code !== undefined) filter.LearnerCode = { $contains: criteria.code };
  if (criteria.since !== undefined || criteria.before !== undefined) {
    // Stored times are `toISOString()` text, so comparing the same spelling compares instants.
    filter.LastChangeTime = { $gte: criteria.since?.toISOString(), $lt: criteria.before?.toISOString() };
  }
  return filter;
}

export class RegistrationSearch {
  constructor(private readonly store: Pick<ReadStore, 'findView' | 'count'>) {}

  async search(criteria: RegistrationCriteria, page: RegistrationPage): Promise<RegistrationSearchResult> {
    const filter = registrationFilter(criteria);
    const [rowsJson, total] = await Promise.all([
      this.store.findView(ROWS, filter, { sort: REGISTRATION_ORDER, skip: page.skip, limit: page.take }, REGISTRATION_ROW_VIEW),
      this.store.count(ROWS, filter),
    ]);
    return { rowsJson, total };
  }

  count(criteria: RegistrationCriteria): Promise<number> {
    return this.store.count(ROWS, registrationFilter(criteria));
  }
}
