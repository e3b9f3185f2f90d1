/**
 * The MongoDB translation, checked without a server: mingo evaluates the generated query, sort and
 * update documents with MongoDB's semantics, against the same cases the contract suite runs on
 * every adapter.
 */
import { Query, updateMany, updateOne } from 'mingo';
import {
  filterCases,
  refusedFilters,
  sampleDocs,
  sortCases,
  substringCorpus,
} from '../../../test/contract/read-store.cases.js';
import { toMongoFilter, toMongoFind, toMongoWrite } from './mongo-query.js';
import type { Change, Doc, Filter, FindOptions } from './read-store.js';

const ids = (docs: Doc[]) => docs.map((d) => d._id);

function mongoFind(docs: Doc[], filter: Filter, options?: FindOptions): Doc[] {
  const find = toMongoFind(options);
  if (!find) return [];
  const cursor = new Query(toMongoFilter(filter)).find<Doc>(docs).sort(find.sort).skip(find.skip);
  return (find.limit === null ? cursor : cursor.limit(find.limit)).all();
}

/** Applies a change's bulk-write operation to in-memory documents, as MongoDB would. */
function applyWrite(docs: Doc[], change: Change): Doc[] {
  const write = toMongoWrite(change);
  if (!write) return docs;
  if ('replaceOne' in write) {
    const { filter, replacement } = write.replaceOne;
    return [...docs.filter((d) => !new Query(filter).test(d)), replacement as Doc];
  }
  if ('deleteOne' in write) {
    const matches = new Query(write.deleteOne.filter).find<Doc>(docs).all();
    return docs.filter((d) => d !== matches[0]);
  }
  const copy = docs.map((d) => structuredClone(d));
  if ('updateOne' in write) updateOne(copy, write.updateOne.filter, write.updateOne.update as never);
  if ('updateMany' in write) updateMany(copy, write.updateMany.filter, write.updateMany.update as never);
  return copy;
}

describe('MongoDB filter documents (evaluated by mingo)', () => {
  it.each(filterCases)('%s', (_, filter, expected) => {
    expect(ids(mongoFind(sampleDocs, filter))).toEqual(expected);
  });

  it.each(refusedFilters)('refuses %s', (_, filter) => {
    expect(() => toMongoFilter(filter as Filter)).toThrow(TypeError);
  });

  it('keeps user values as operands: a value shaped like an operator is compared, never run', () => {
    expect(toMongoFilter({ Status: '{"$gt":""}' })).toEqual({ Status: { $eq: '{"$gt":""}' } });
    expect(toMongoFilter({ Name: { $contains: '.*' } })).toEqual({ Name: { $regex: '\\.\\*' } });
  });

  it('finds exactly what a plain case-insensitive substring test finds, for any needle', () => {
    const { docs, needles, expected } = substringCorpus();
    for (const needle of needles) {
      expect({ needle, found: ids(mongoFind(docs, { Text: { $contains: needle } })) }).toEqual({
        needle,
        found: expected(needle),
      });
    }
  });
});

describe('MongoDB sort, skip and limit (evaluated by mingo)', () => {
  it.each(sortCases)('%s', (_, sort, skip, limit, expected) => {
    expect(ids(mongoFind(sampleDocs, {}, { sort, skip, limit }))).toEqual(expected);
  });

  it('asks the server for nothing when the limit is 0 (MongoDB would read it as "no limit")', () => {
    expect(toMongoFind({ limit: 0 })).toBeNull();
  });
});

describe('MongoDB bulk writes (evaluated by mingo)', () => {
  const docs: Doc[] = [
    { _id: 'a', Org: 'o1', Name: 'Ada', Address: { City: 'London', Street: 'St James' } },
    { _id: 'b', Org: 'o1', Name: 'Alan' },
    { _id: 'c', Org: 'o2', Name: 'Grace' },
  ];

  it('upsert replaces the whole document, or inserts it', () => {
    const replaced = applyWrite(docs, { kind: 'upsert', collection: 'x', doc: { _id: 'a', Org: 'o9' } });
    expect(replaced.find((d) => d._id === 'a')).toEqual({ _id: 'a', Org: 'o9' });
    expect(toMongoWrite({ kind: 'upsert', collection: 'x', doc: { _id: 'z' } })).toEqual({
      replaceOne: { filter: { _id: 'z' }, replacement: { _id: 'z' }, upsert: true },
    });
  });

  it('patch sets the given fields, replaces nested objects whole, and leaves the rest', () => {
    const patched = applyWrite(docs, {
      kind: 'patch',
      collection: 'x',
      id: 'a',
      set: { Name: 'Ada Byron', Address: { City: 'Paris' }, Nick: null, Skipped: undefined },
    });
    expect(patched.find((d) => d._id === 'a')).toEqual({ _id: 'a', Org: 'o1', Name: 'Ada Byron', Address: { City: 'Paris' }, Nick: null });
    expect(patched.filter((d) => d._id !== 'a')).toEqual(docs.slice(1));
  });

  it('patch of a missing document creates nothing', () => {
    const write = toMongoWrite({ kind: 'patch', collection: 'x', id: 'ghost', set: { Org: 'o1' } });
    expect(write).toEqual({ updateOne: { filter: { _id: 'ghost' }, update: { $set: { Org: 'o1' } } } });
    expect(applyWrite(docs, { kind: 'patch', collection: 'x', id: 'ghost', set: { Org: 'o1' } })).toEqual(docs);
  });

  it('a patch that sets nothing is no write at all (MongoDB refuses an empty $set)', () => {
    expect(toMongoWrite({ kind: 'patch', collection: 'x', id: 'a', set: { Name: undefined } })).toBeNull();
    expect(toMongoWrite({ kind: 'updateMany', collection: 'x', filter: {}, set: {} })).toBeNull();
  });

  it('updateMany sets fields on every matching document and only those', () => {
    const updated = applyWrite(docs, {
      kind: 'updateMany',
      collection: 'x',
      filter: { Org: 'o1', Name: { $contains: 'A' } },
      set: { Status: 'Seen' },
    });
    expect(updated.filter((d) => d.Status === 'Seen').map((d) => d._id)).toEqual(['a', 'b']);
    expect(updated.find((d) => d._id === 'c')).toEqual(docs[2]);
  });

  it('delete removes the document with that id only', () => {
    expect(ids(applyWrite(docs, { kind: 'delete', collection: 'x', id: 'b' }))).toEqual(['a', 'c']);
  });

  it('refuses ids that are not strings and sets that would change the id or a path', () => {
    const hostileId = { $gt: '' } as unknown as string;
    expect(() => toMongoWrite({ kind: 'patch', collection: 'x', id: hostileId, set: { Org: 'o1' } })).toThrow(TypeError);
    expect(() => toMongoWrite({ kind: 'delete', collection: 'x', id: hostileId })).toThrow(TypeError);
    expect(() => toMongoWrite({ kind: 'upsert', collection: 'x', doc: { _id: hostileId } })).toThrow(TypeError);
    expect(() => toMongoWrite({ kind: 'patch', collection: 'x', id: 'a', set: { _id: 'b' } })).toThrow(TypeError);
    expect(() => toMongoWrite({ kind: 'patch', collection: 'x', id: 'a', set: { 'Address.City': 'x' } })).toThrow(TypeError);
    expect(() => toMongoWrite({ kind: 'patch', collection: 'x', id: 'a', set: { $unset: 'Name' } })).toThrow(TypeError);
  });
});
