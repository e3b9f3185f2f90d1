import type { QueryStore, ReadStore } from '../../libs/read-model/src/read-store.js';
import { SqliteReadStore } from '../../libs/read-model/src/sqlite-read-store.js';

/**
 * The API's read side in one ReadStore for the contract suites: the projector writes through
 * SqliteReadStore, and every query goes through the reader opened on the same file (after the
 * writer, which creates it).
 */
export function writerAndReader(file: string, openReader: (file: string) => QueryStore): ReadStore {
  const writer = new SqliteReadStore(file);
  const reader = openReader(file);
  return {
    ensureCollections: (specs) => writer.ensureCollections(specs),
    missingCollections: (collections) => writer.missingCollections(collections),
    runBatch: (projections, work) => writer.runBatch(projections, work),
    reset: (projection, collections) => writer.reset(projection, collections),
    get: (collection, id) => reader.get(collection, id),
    find: (collection, filter, options) => reader.find(collection, filter, options),
    findView: (collection, filter, options, view) => reader.findView(collection, filter, options, view),
    getView: (collection, id, view, match) => reader.getView(collection, id, view, match),
    count: (collection, filter) => reader.count(collection, filter),
    getCheckpoint: (projection) => reader.getCheckpoint(projection),
    close: async () => {
      await reader.close();
      await writer.close();
    },
  };
}
