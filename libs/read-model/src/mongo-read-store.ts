/**
 * The MongoDB read store: one collection `rm_<name>` per read-model collection with the document
 * id as `_id`, and `projection_checkpoints` holding `{ _id: projection, position }`.
 *
 * Batches are not transactions: changes are applied in order as they come (buffered into ordered
 * bulk writes, flushed before any session read so the session reads its own writes) and the
 * checkpoint is written last. Changes are idempotent, so a crash in between only replays events.
 * Text search and its limits are described in mongo-query.ts.
 */
import { type AnyBulkWriteOperation, type Db, type Document, MongoClient } from 'mongodb';
import { type MongoDoc, toMongoFilter, toMongoFind, toMongoWrite } from './mongo-query.js';
import { assertCollectionName, assertDocId, assertFieldName, checkpointText } from './normalized-query.js';
import type {
  Change,
  CollectionSpec,
  Doc,
  Filter,
  FindOptions,
  ProjectionSession,
  ReadStore,
  ReadView,
} from './read-store.js';
import { CollectionMissingError, indexField, pickFields } from './read-store.js';
import { SerialQueue } from './serial-queue.js';

const CHECKPOINTS = 'projection_checkpoints';
/** Bounds the memory a long batch of writes without reads can hold. */
const FLUSH_AT = 1000;

const collectionName = (collection: string): string => {
  assertCollectionName(collection);
  return `rm_${collection}`;
};

class MongoView implements ReadView {
  constructor(protected readonly db: Db) {}

  async get(collection: string, id: string): Promise<Doc | null> {
    assertDocId(id);
    return (await this.db.collection<MongoDoc>(collectionName(collection)).findOne({ _id: id })) as Doc | null;
  }

  async find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    const query = toMongoFilter(filter);
    const find = toMongoFind(options);
    if (!find) return [];
    const cursor = this.db.collection<MongoDoc>(collectionName(collection)).find(query).sort(find.sort).skip(find.skip);
    if (find.limit !== null) cursor.limit(find.limit);
    return (await cursor.toArray()) as Doc[];
  }

  async count(collection: string, filter: Filter): Promise<number> {
    return this.db.collection<MongoDoc>(collectionName(collection)).countDocuments(toMongoFilter(filter));
  }
}

class MongoSession extends MongoView implements ProjectionSession {
  private pending: Array<{ collection: string; write: AnyBulkWriteOperation<MongoDoc> }> = [];
  private open = true;

  async apply(changes: readonly Change[]): Promise<void> {
    if (!this.open) throw new Error('The batch of this session has ended');
    for (const change of changes) {
      const collection = collectionName(change.collection);
      const write = toMongoWrite(change);
      if (write) this.pending.push({ collection, write });
    }
    if (this.pending.length >= FLUSH_AT) await this.flush();
  }

  override async get(collection: string, id: string): Promise<Doc | null> {
    await this.flush();
    return super.get(collection, id);
  }

  override async find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    await this.flush();
    return super.find(collection, filter, options);
  }

  override async count(collection: string, filter: Filter): Promise<number> {
    await this.flush();
    return super.count(collection, filter);
  }

  /**
   * Writes what is pending, one ordered bulk write per collection, collections in the order of
   * their first change. A crash between two collections' writes leaves the first written: a
   * projection that needs one collection written before another lists that change first (the
   * exam events' count before its member, see exam-events.projection.ts).
   */
  async flush(): Promise<void> {
    const byCollection = new Map<string, AnyBulkWriteOperation<MongoDoc>[]>();
    for (const { collection, write } of this.pending) {
      const writes = byCollection.get(collection) ?? [];
      writes.push(write);
      byCollection.set(collection, writes);
    }
    this.pending = [];
    for (const [collection, writes] of byCollection) {
      await this.db.collection<MongoDoc>(collection).bulkWrite(writes, { ordered: true });
    }
  }

  /** What was not flushed when `work` failed is dropped: nothing records it as applied. */
  end(): void {
    this.open = false;
    this.pending = [];
  }
}

/** Where ensureCollections records the views of every collection. */
const VIEWS = 'read_model_views';
const VIEW_DEFINITIONS_TTL_MS = 5000;

export class MongoReadStore implements ReadStore {
  private readonly view: MongoView;
  /** Batches, resets and schema changes, one at a time. */
  private readonly writes = new SerialQueue();
  /**
   * View definitions by `collection/view`, as recorded by ensureCollections, usually in the
   * projector's process: read again once they are VIEW_DEFINITIONS_TTL_MS old, so that an API
   * replica follows a projector that redefined a view (a rolling upgrade) without a restart.
   */
  private readonly views = new Map<string, { fields: readonly string[]; readAt: number }>();

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {
    this.view = new MongoView(db);
  }

  /** Connects to `url`; the database is `dbName`, else the one named in the URL. */
  static async connect(url: string, options: { dbName?: string } = {}): Promise<MongoReadStore> {
    // Undefined properties are dropped, as JSON (and so the SQLite adapter) drops them.
    const client = new MongoClient(url, { ignoreUndefined: true });
    await client.connect();
    return new MongoReadStore(client, client.db(options.dbName));
  }

  get(collection: string, id: string): Promise<Doc | null> {
    return this.view.get(collection, id);
  }

  find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    return this.view.find(collection, filter, options);
  }

  count(collection: string, filter: Filter): Promise<number> {
    return this.view.count(collection, filter);
  }

  /** Rendered per request: MongoDB returns documents, not text (the definitions are kept like SQLite's). */
  async findView(collection: string, filter: Filter, options: FindOptions | undefined, view: string): Promise<string> {
    const fields = await this.viewFields(collection, view);
    return JSON.stringify((await this.view.find(collection, filter, options)).map((doc) => pickFields(doc, fields)));
  }

  async getView(collection: string, id: string, view: string, match: Readonly<Record<string, string>>): Promise<string | null> {
    assertDocId(id);
    const fields = await this.viewFields(collection, view);
    const [doc] = await this.view.find(collection, { ...match, _id: id }, { limit: 1 });
    return doc === undefined ? null : JSON.stringify(pickFields(doc, fields));
  }

  private async viewFields(collection: string, view: string): Promise<readonly string[]> {
    const key = `${collection}/${view}`;
    const known = this.views.get(key);
    if (known && Date.now() - known.readAt < VIEW_DEFINITIONS_TTL_MS) return known.fields;
    const found = await this.db.collection<{ _id: string; fields: string[] }>(VIEWS).findOne({ _id: key });
    // Before the projector's first start nothing is defined: read models not caught up (503), as SQLite says.
    if (!found) throw new CollectionMissingError(`Collection "${collection}" has no view "${view}" (yet: the projector defines it when it starts)`);
    this.views.set(key, { fields: found.fields, readAt: Date.now() });
    return found.fields;
  }

  missingCollections(collections: readonly string[]): Promise<readonly string[]> {
    collections.forEach(assertCollectionName);
    return this.writes.run(async () => {
      const existing = await this.existingCollections();
      return collections.filter((name) => !existing.has(collectionName(name)));
    });
  }

  ensureCollections(specs: readonly CollectionSpec[]): Promise<void> {
    for (const spec of specs) {
      assertCollectionName(spec.name);
      spec.indexes.flat().forEach((f) => assertFieldName(indexField(f).field));
      for (const [view, fields] of Object.entries(spec.views ?? {})) [view, ...fields].forEach(assertFieldName);
    }
    return this.writes.run(async () => {
      this.views.clear();
      const views = this.db.collection<{ _id: string; fields: readonly string[] }>(VIEWS);
      for (const spec of specs) {
        const declared = Object.entries(spec.views ?? {}).map(([view, fields]) => ({ _id: `${spec.name}/${view}`, fields }));
        for (const { _id, fields } of declared) await views.replaceOne({ _id }, { fields }, { upsert: true });
        // Views no longer declared are gone, as the SQLite adapter drops their columns.
        await views.deleteMany({ _id: { $regex: `^${spec.name}/`, $nin: declared.map((view) => view._id) } });
      }
      const existing = await this.existingCollections();
      for (const spec of specs) {
        // Created explicitly, even without indexes or documents: next time it counts as existing.
        if (!existing.has(collectionName(spec.name))) await this.db.createCollection(collectionName(spec.name));
        const collection = this.db.collection<MongoDoc>(collectionName(spec.name));
        for (const fields of spec.indexes) {
          await collection.createIndex(
            Object.fromEntries(fields.map(indexField).map(({ field, descending }) => [field, descending ? -1 : 1] as const)),
          );
        }
      }
    });
  }

  private async existingCollections(): Promise<Set<string>> {
    return new Set((await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  }

  runBatch(projections: string | readonly string[], work: (session: ProjectionSession) => Promise<bigint>): Promise<void> {
    const names = typeof projections === 'string' ? [projections] : projections;
    return this.writes.run(async () => {
      const session = new MongoSession(this.db);
      try {
        const position = checkpointText(await work(session));
        await session.flush();
        await this.checkpoints().bulkWrite(
          names.map((name) => ({ updateOne: { filter: { _id: name }, update: { $set: { position } }, upsert: true } })),
        );
      } finally {
        session.end();
      }
    });
  }

  async getCheckpoint(projection: string): Promise<bigint | null> {
    const checkpoint = await this.checkpoints().findOne({ _id: projection });
    return checkpoint ? BigInt(checkpoint.position) : null;
  }

  reset(projection: string, collections: readonly string[]): Promise<void> {
    const names = collections.map(collectionName);
    return this.writes.run(async () => {
      for (const name of names) await this.db.collection(name).deleteMany({});
      await this.checkpoints().deleteOne({ _id: projection });
    });
  }

  async close(): Promise<void> {
    await this.writes.idle();
    await this.client.close();
  }

  private checkpoints() {
    return this.db.collection<{ _id: string; position: string } & Document>(CHECKPOINTS);
  }
}
