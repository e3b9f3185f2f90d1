/**
 * Pure translation of the read-store vocabulary into MongoDB query, sort and bulk-write documents.
 * Inputs are normalised first (normalized-query.ts), so user values only ever appear as operands
 * of `$eq`/`$ne`/`$in`/`$gte`/`$lt` or as an escaped regex: never as an operator or a path.
 *
 * Text search: `$contains` becomes `$regex` of a pattern that matches every spelling of the needle
 * that folds alike (text-fold.ts; MongoDB's own `i` option folds other letters than SQLite's fold).
 * An unanchored regex cannot use a B-tree index, so MongoDB scans every document the other
 * conditions leave (the compound indexes still narrow by tenant first). At scale the answer is a
 * real substring index: Atlas Search with an n-gram analyzer, or a projection-maintained array of
 * folded trigrams per text field, indexed and queried with `$all` before the regex check.
 */
import type { AnyBulkWriteOperation, Document } from 'mongodb';
import {
  assertDocId,
  type Clause,
  type NormalizedFind,
  normalizeFilter,
  normalizeFind,
  normalizeSet,
} from './normalized-query.js';
import type { Change, Filter, FindOptions } from './read-store.js';
import { foldedSubstringPattern } from './text-fold.js';

/** How documents are typed towards the driver: string ids, never ObjectIds. */
export type MongoDoc = Document & { _id: string };

function operator(clause: Clause): Document {
  switch (clause.op) {
    case 'eq':
      return { $eq: clause.value };
    case 'ne':
      return { $ne: clause.value };
    case 'in':
      return { $in: clause.values };
    case 'gte':
      return { $gte: clause.value };
    case 'lt':
      return { $lt: clause.value };
    case 'contains':
      return { $regex: foldedSubstringPattern(clause.text) };
  }
}

export function toMongoFilter(filter: Filter): Document {
  const query: Record<string, Document> = {};
  for (const clause of normalizeFilter(filter)) {
    query[clause.field] = { ...query[clause.field], ...operator(clause) };
  }
  return query;
}

export function toMongoSort(find: NormalizedFind): Record<string, 1 | -1> {
  return Object.fromEntries(find.sort);
}

export interface MongoFind {
  sort: Record<string, 1 | -1>;
  skip: number;
  limit: number | null;
}

/** Sort, skip and limit of a find, or null when it asks for no documents (MongoDB reads limit 0 as "no limit"). */
export function toMongoFind(options?: FindOptions): MongoFind | null {
  const find = normalizeFind(options);
  if (find.limit === 0) return null;
  return { sort: toMongoSort(find), skip: find.skip, limit: find.limit };
}

/** The bulk-write operation of a change, or null when it changes nothing (an empty `set`). */
export function toMongoWrite(change: Change): AnyBulkWriteOperation<MongoDoc> | null {
  switch (change.kind) {
    case 'upsert':
      assertDocId(change.doc?._id);
      return { replaceOne: { filter: { _id: change.doc._id }, replacement: change.doc, upsert: true } };
    case 'patch': {
      assertDocId(change.id);
      const set = normalizeSet(change.set);
      return set.length === 0
        ? null
        : { updateOne: { filter: { _id: change.id }, update: { $set: Object.fromEntries(set) } } };
    }
    case 'updateMany': {
      const set = normalizeSet(change.set);
      return set.length === 0
        ? null
        : { updateMany: { filter: toMongoFilter(change.filter), update: { $set: Object.fromEntries(set) } } };
    }
    case 'delete':
      assertDocId(change.id);
      return { deleteOne: { filter: { _id: change.id } } };
  }
}
