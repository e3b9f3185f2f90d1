/**
 * `projections rebuild`: replays the whole history into FRESH read-model storage, then either
 * compares it with the live read models (`--verify`) or switches the live ones over to it. Live
 * and fresh are compared at the same checkpoint: the fresh build is caught up to exactly the
 * position the live projection has reached, never past it.
 */
import type { EventStore } from '../../../event-store/src/event-store.js';
import { canonicalJson } from '../../../event-store/src/hash-chain.js';
import type { Projection } from '../../../read-model/src/projection.js';
import type { CollectionSpec, Doc, Filter, ReadStore } from '../../../read-model/src/read-store.js';

const BATCH = 500;
const PAGE = 1000;

/** Applies the log to `store` for one projection, from its checkpoint up to `target` (inclusive). */
export async function catchUp(eventStore: EventStore, store: ReadStore, projection: Projection, target: bigint | null): Promise<void> {
  if (target === null) return;
  let checkpoint = await store.getCheckpoint(projection.name);
  while (checkpoint === null || checkpoint < target) {
    const events = (await eventStore.readAll({ after: checkpoint ?? undefined, limit: BATCH })).filter(
      (event) => event.position <= target,
    );
    if (events.length === 0) return;
    const last = events[events.length - 1].position;
    await store.runBatch(projection.name, async (session) => {
      for (const event of events) {
        const changes = await projection.project(event, session);
        if (changes.length > 0) await session.apply(changes);
      }
      return last;
    });
    checkpoint = last;
  }
}

export interface Difference {
  projection: string;
  collection: string;
  id: string;
  /** `missing`: only the rebuild has it; `unexpected`: only the live model has it. */
  kind: 'missing' | 'unexpected' | 'different';
  /** For `different`: the top-level fields whose values differ (`<view> view: <field>` for a view's). */
  fields?: string[];
}

/** What a comparison reads: documents, and the views the API serves them as. */
export type ComparedStore = Pick<ReadStore, 'find' | 'findView'>;

/** A document, with each of its collection's views as the store keeps it rendered. */
interface Compared {
  doc: Doc;
  views: Record<string, Doc>;
}

/** Every document of a collection in `_id` order, a page at a time, with its views. */
async function* documents(store: ComparedStore, collection: CollectionSpec): AsyncGenerator<Compared> {
  const views = Object.keys(collection.views ?? {});
  let from: string | null = null;
  for (;;) {
    const filter: Filter = from === null ? {} : { _id: { $gte: from } };
    const options = { sort: [['_id', 1]] as [string, 1][], limit: PAGE + 1 };
    const page = await store.find(collection.name, filter, options);
    // The same page through each view: rows in the same order as the documents.
    const rendered = await Promise.all(views.map(async (view) => JSON.parse(await store.findView(collection.name, filter, options, view)) as Doc[]));
    for (const [i, doc] of page.entries()) {
      if (doc._id === from) continue;
      yield { doc, views: Object.fromEntries(views.map((view, v) => [view, rendered[v][i]])) };
    }
    if (page.length < PAGE + 1) return;
    from = page[page.length - 1]._id;
  }
}

function differentFields(a: Doc, b: Doc): string[] {
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return fields.filter((field) => canonicalJson(a[field] ?? null) !== canonicalJson(b[field] ?? null));
}

/** The document's differing fields, then each view's (`row view: LearnerName`): what the API would show. */
function differences(a: Compared, b: Compared): string[] {
  const inViews = Object.keys(a.views).flatMap((view) =>
    differentFields(a.views[view], b.views[view]).map((field) => `${view} view: ${field}`),
  );
  return [...differentFields(a.doc, b.doc), ...inViews];
}

/** Merge-joins both collections by `_id` and lists every document (or view of one) that is not identical. */
export async function compareProjection(projection: Projection, rebuilt: ComparedStore, live: ComparedStore): Promise<Difference[]> {
  const found: Difference[] = [];
  for (const collection of projection.collections) {
    const left = documents(rebuilt, collection);
    const right = documents(live, collection);
    let a = await left.next();
    let b = await right.next();
    const add = (id: string, kind: Difference['kind'], fields?: string[]) =>
      found.push({ projection: projection.name, collection: collection.name, id, kind, ...(fields ? { fields } : {}) });
    while (!a.done || !b.done) {
      if (b.done || (!a.done && a.value.doc._id < b.value.doc._id)) {
        add((a.value as Compared).doc._id, 'missing');
        a = await left.next();
      } else if (a.done || b.value.doc._id < a.value.doc._id) {
        add(b.value.doc._id, 'unexpected');
        b = await right.next();
      } else {
        const fields = differences(a.value, b.value);
        if (fields.length > 0) add(a.value.doc._id, 'different', fields);
        a = await left.next();
        b = await right.next();
      }
    }
  }
  return found;
}

/** How one kind of read store puts rebuilt collections in place of the live ones. */
export interface SwitchOver {
  /** Where the rebuild is built; empty. */
  readonly fresh: ReadStore;
  /**
   * Replaces the live collections of `projections` with the fresh ones, with the checkpoints.
   * `catchUp` brings the fresh build of a projection to a position (the live one may have moved).
   */
  switchOver(projections: readonly Projection[], catchUp: (projection: Projection, target: bigint) => Promise<void>): Promise<void>;
  /** Removes the fresh storage. */
  discard(): Promise<void>;
}

export interface RebuildReport {
  projections: string[];
  /** Only with verify: what differs between the rebuild and the live models. */
  differences: Difference[] | null;
  switched: boolean;
}

/** Attempts to get a stable comparison while the live projector keeps moving. */
const VERIFY_ATTEMPTS = 5;

export async function rebuildProjections(options: {
  eventStore: EventStore;
  live: ReadStore;
  target: SwitchOver;
  projections: readonly Projection[];
  verify: boolean;
}): Promise<RebuildReport> {
  const { eventStore, live, target, projections, verify } = options;
  const specs = projections.flatMap((p) => p.collections);
  await live.ensureCollections(specs);
  await target.fresh.ensureCollections(specs);
  const head = await eventStore.headPosition();
  // A projection that never ran live is built to the head of the log.
  const liveCheckpoint = async (p: Projection) => (await live.getCheckpoint(p.name)) ?? head;
  const names = projections.map((p) => p.name);

  if (!verify) {
    for (const projection of projections) await catchUp(eventStore, target.fresh, projection, await liveCheckpoint(projection));
    await target.switchOver(projections, (projection, position) => catchUp(eventStore, target.fresh, projection, position));
    return { projections: names, differences: null, switched: true };
  }

  let differences: Difference[] = [];
  for (let attempt = 1; attempt <= VERIFY_ATTEMPTS; attempt++) {
    const before = await Promise.all(projections.map(liveCheckpoint));
    differences = [];
    for (const [i, projection] of projections.entries()) {
      await catchUp(eventStore, target.fresh, projection, before[i]);
      differences.push(...(await compareProjection(projection, target.fresh, live)));
    }
    const after = await Promise.all(projections.map(liveCheckpoint));
    // The live models moved while being compared: compare again at the new checkpoint.
    if (after.every((position, i) => position === before[i])) break;
  }
  return { projections: names, differences, switched: false };
}
