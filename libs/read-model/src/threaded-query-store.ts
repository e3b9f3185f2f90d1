/**
 * The embedded read store for the API: searches and counts go to a pool of query threads, while
 * the point reads (retrieve, a document by id, checkpoints), which take microseconds, stay on this
 * thread's own connection, where a round trip to a thread would cost more than the read.
 *
 * Filters and options are checked here and sent as the plain data they normalize to: a refused
 * filter fails as it always did, and what crosses to a thread can always be copied (a Date, a
 * function or a RegExp in a caller's filter never reaches the structured clone).
 *
 * A gate (read-your-writes, see ReadGate) is waited for here by the reads sent to a thread, and by
 * the local connection (given the same gate) for its own.
 */
import { assertCollectionName, filterOf, findOptionsOf, normalizeFilter, normalizeFind } from './normalized-query.js';
import { type QueryThreads, READ_STORE_REPLACED } from './query-threads.js';
import { afterGate, organizationOf, type ReadGate } from './read-gate.js';
import type { Doc, Filter, FindOptions, QueryStore, ReadView } from './read-store.js';

export class ThreadedQueryStore implements QueryStore {
  constructor(
    /** This thread's own connection. */
    readonly local: QueryStore & { switchTo(file: string): Promise<void> },
    private readonly threads: QueryThreads,
    private readonly gate: ReadGate | null = null,
  ) {}

  get(collection: string, id: string, organization?: string): Promise<Doc | null> {
    return this.local.get(collection, id, organization);
  }

  getView(collection: string, id: string, view: string, match: Readonly<Record<string, string>>): Promise<string | null> {
    return this.local.getView(collection, id, view, match);
  }

  getCheckpoint(projection: string): Promise<bigint | null> {
    return this.local.getCheckpoint(projection);
  }

  async find(collection: string, filter: Filter, options?: FindOptions): Promise<Doc[]> {
    assertCollectionName(collection);
    const call = [collection, plainFilter(filter), plainOptions(options)];
    return (await afterGate(this.gate, organizationOf(filter), () => this.threads.call('find', call).catch(orLocally(() => this.local.find(collection, filter, options))))) as Doc[];
  }

  /** With the count of the same filter asked in the same turn (a search page's total), one message. */
  async findView(collection: string, filter: Filter, options: FindOptions | undefined, view: string): Promise<string> {
    assertCollectionName(collection);
    const plain = plainFilter(filter);
    const call = [collection, plain, plainOptions(options), view];
    return (await afterGate(this.gate, organizationOf(filter), () =>
      this.threads.call('findView', call, sameQuery(collection, plain)).catch(orLocally(() => this.local.findView(collection, filter, options, view))),
    )) as string;
  }

  async count(collection: string, filter: Filter): Promise<number> {
    assertCollectionName(collection);
    const plain = plainFilter(filter);
    return (await afterGate(this.gate, organizationOf(filter), () =>
      this.threads.call('count', [collection, plain], sameQuery(collection, plain)).catch(orLocally(() => this.local.count(collection, filter))),
    )) as number;
  }

  /** Every connection (this thread's, each query thread's) reads `file` from now on. */
  async switchTo(file: string): Promise<void> {
    await this.local.switchTo(file);
    await this.threads.switchTo(file);
  }

  async close(): Promise<void> {
    await this.threads.close();
    await this.local.close();
  }
}

/** A thread that opened another file than this process reads (READ_STORE_REPLACED): asked here instead. */
const orLocally =
  <T>(local: () => Promise<T>) =>
  (error: unknown): Promise<T> =>
    (error as Error).name === READ_STORE_REPLACED ? local() : Promise.reject(error);

const sameQuery = (collection: string, filter: Filter) => `${collection}\u0000${JSON.stringify(filter)}`;
const plainFilter = (filter: Filter): Filter => filterOf(normalizeFilter(filter));
const plainOptions = (options: FindOptions | undefined): FindOptions => findOptionsOf(normalizeFind(options));

/**
 * Every read of `store` on this thread's connection: for the command path's lookups (a form by its
 * code), a few rows by an index, cheaper than a round trip, and which must not start a thread in
 * an API that only takes commands (each costs resident memory).
 */
export function onEventLoop(store: QueryStore): ReadView {
  return store instanceof ThreadedQueryStore ? store.local : store;
}
