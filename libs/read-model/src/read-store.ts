/**
 * The read store port: a small document store that projections write and queries read.
 * Adapters: SQLite (embedded default) and MongoDB. Documents are plain JSON objects keyed by `_id`.
 *
 * The filter language is deliberately tiny (AND of field conditions) so that both adapters can
 * implement it exactly and user input can never become query syntax: values are always values.
 */
import { assertFieldName } from './normalized-query.js';

export type Doc = { _id: string } & Record<string, unknown>;

export type Scalar = string | number | boolean | null;

/** A condition on one (top-level) field. A bare scalar means equality (null matches missing). */
export type FieldCondition =
  | Scalar
  | {
      $eq?: Scalar;
      $ne?: Scalar;
      $in?: Scalar[];
      $gte?: string | number;
      $lt?: string | number;
      /** Case-insensitive substring match of a string field (plain text, never a pattern). */
      $contains?: string;
    };

/** All conditions must hold. */
export type Filter = Record<string, FieldCondition>;

export type SortSpec = ReadonlyArray<readonly [field: string, direction: 1 | -1]>;

export interface FindOptions {
  sort?: SortSpec;
  skip?: number;
  limit?: number;
}

/** Declared up front so each adapter can create tables, indexes and search indexes. */
export interface CollectionSpec {
  name: string;
  /**
   * Compound indexes, fields in order; `-Field` orders that field descending, so that a sort
   * with mixed directions (e.g. newest first, then id) can be read straight off the index.
   * Filters and sorts on other fields still work, slower.
   */
  indexes: ReadonlyArray<readonly string[]>;
  /** Fields searched with `$contains`; adapters may build a substring index for them. */
  textFields?: readonly string[];
  /**
   * The field text searches are mostly sorted by, newest first (then by `_id`); it must be an
   * indexed field. An adapter may keep a small text index of the rows newest by it, so that a
   * page of such a search reads few rows (SQLite: sqlite-recent-index.ts).
   */
  recentBy?: string;
  /**
   * Named field lists that answers show as they are (e.g. a search row): `findView` returns them
   * as JSON text. An adapter may keep each rendered with its document, so a page of results goes
   * to the client without parsing documents and writing them out again.
   */
  views?: Readonly<Record<string, readonly string[]>>;
}

/** A change a projection asks for. Every change is idempotent: applying it twice equals once. */
export type Change =
  | { kind: 'upsert'; collection: string; doc: Doc }
  | { kind: 'patch'; collection: string; id: string; set: Record<string, unknown> }
  | { kind: 'updateMany'; collection: string; filter: Filter; set: Record<string, unknown> }
  | { kind: 'delete'; collection: string; id: string };

/** What queries (and projections, for lookups) may read. */
export interface ReadView {
  /**
   * `organization`: the one whose document alone the caller will use (it checks, or the id names
   * it). On the embedded stores the read then waits for that organization's appends only (ReadGate).
   */
  get(collection: string, id: string, organization?: string): Promise<Doc | null>;
  find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]>;
  count(collection: string, filter: Filter): Promise<number>;
}

/** A projection's view of the store while it applies a batch. */
export interface ProjectionSession extends ReadView {
  apply(changes: readonly Change[]): Promise<void>;
}

/**
 * What a process that only answers queries needs: committed documents and the checkpoints the
 * projector stored. The API holds this when its projector runs elsewhere (a worker thread).
 */
export interface QueryStore extends ReadView {
  /**
   * What `find` returns, each document narrowed to the fields of the collection's `view` (in their
   * order, a missing field as null), as the JSON text of an array.
   */
  findView(collection: string, filter: Filter, options: FindOptions | undefined, view: string): Promise<string>;
  /**
   * The document with this id narrowed to the collection's `view` (as `findView` renders it), as
   * JSON text; null when there is none or its fields differ from the strings of `match` (e.g. another tenant's).
   */
  getView(collection: string, id: string, view: string, match: Readonly<Record<string, string>>): Promise<string | null>;
  /** Last position the projection has fully applied, or null when it never ran. */
  getCheckpoint(projection: string): Promise<bigint | null>;
  close(): Promise<void>;
}

/** The projector's store: queries plus schema, batches and resets. */
export interface ReadStore extends QueryStore {
  /** Creates tables/collections and indexes; safe to call repeatedly. */
  ensureCollections(specs: readonly CollectionSpec[]): Promise<void>;
  /** Which of these collections do not exist yet: a projection that gains one must replay its history. */
  missingCollections(collections: readonly string[]): Promise<readonly string[]>;
  /**
   * Runs one batch for one or more projections that stand at the same checkpoint. `work` applies
   * changes through the session (whose reads see the session's own earlier changes) and returns
   * the position it reached, which becomes the checkpoint of every projection named. The SQLite
   * adapter runs the whole batch in one transaction (so several projections cost one commit); the
   * MongoDB adapter applies the idempotent changes as they come and writes the checkpoints last, so
   * a crash in between only replays (never skips) events. A failing `work` records no checkpoint.
   */
  runBatch(projections: string | readonly string[], work: (session: ProjectionSession) => Promise<bigint>): Promise<void>;
  /** Drops every document of these collections and the projection's checkpoint (for rebuilds). */
  reset(projection: string, collections: readonly string[]): Promise<void>;
  /**
   * Runs `work`, whose reads of this store (checkpoints, documents, views) then all see it as of
   * one commit while its projector goes on writing. Only where the store can hold such a view
   * cheaply: SQLite, one read transaction (its WAL keeps growing meanwhile).
   */
  readSnapshot?<T>(work: () => Promise<T>): Promise<T>;
}

/** A document narrowed to `fields`, in that order, a missing field as null (what a view shows). */
export function pickFields(doc: Doc, fields: readonly string[]): Record<string, unknown> {
  return pickerOf(fields)(doc);
}

type Picker = (doc: Doc) => Record<string, unknown>;

/** By field list: views declare few, and the same arrays come back on every call. */
const pickersByList = new WeakMap<readonly string[], Picker>();
const pickersByFields = new Map<string, Picker>();

/**
 * A function building the narrowed document as one object literal, of one shape: with its
 * JSON.stringify, half the CPU of adding the fields one by one (a registration's two views, every
 * row written: 9–10 µs instead of 17–20).
 */
function pickerOf(fields: readonly string[]): Picker {
  let picker = pickersByList.get(fields);
  if (!picker) {
    const key = JSON.stringify(fields);
    picker = pickersByFields.get(key);
    if (!picker) {
      // Checked field names are plain identifiers (no __proto__): safe to write into code.
      fields.forEach(assertFieldName);
      picker = new Function('doc', `return { ${fields.map((field) => `${field}: doc.${field} ?? null`).join(', ')} };`) as Picker;
      pickersByFields.set(key, picker);
    }
    pickersByList.set(fields, picker);
  }
  return picker;
}

/** An index field as declared in a CollectionSpec: `-Field` is descending. */
export function indexField(declared: string): { field: string; descending: boolean } {
  return declared.startsWith('-') ? { field: declared.slice(1), descending: true } : { field: declared, descending: false };
}

/**
 * A collection the read store does not have yet: its projector has never started on this store
 * (the projector app not run yet, with `BOOKING_RUN_PROJECTOR=false`; on MongoDB, a view the
 * projector has not defined yet). Named, so that the API answers it as read models not caught up
 * (503), which is what it is, not as a bug.
 */
export class CollectionMissingError extends Error {
  static of(collection: string, hint: string): CollectionMissingError {
    return new CollectionMissingError(`Unknown read-model collection "${collection}" (${hint})`);
  }

  /** `message`: also that of one thrown in a query thread, rebuilt on this side (query-threads.ts). */
  constructor(message: string) {
    super(message);
    this.name = 'CollectionMissingError';
  }
}
