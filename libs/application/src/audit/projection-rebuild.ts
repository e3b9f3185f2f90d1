/**
 * `projections rebuild`: replays the whole history into FRESH read-model storage, then either
 * compares it with the live read models (`--verify`) or switches the live ones over to it. Live
 * and fresh are compared at the same checkpoint: the fresh build is caught up to exactly the
 * position the live projection has reached, never past it.
 */
import type { EventStore } from '../../../event-store/src/event-store.js';
import { canonicalJson } from '../../../event-store/src/hash-chain.js';
import { applyInOneBatch, type Projection } from '../../../read-model/src/projection.js';
import type { CollectionSpec, Doc, Filter, ReadStore } from '../../../read-model/src/read-store.js';

/**
 * Events per batch (one transaction). A rebuild replays into fresh storage that nobody waits on:
 * larger batches cost fewer commits, and the session writes a document changed by several events
 * of a batch (a registration and its next events, an exam event's roster) once. At 100,000
 * registrations over 1,000 exam events, a batch of 5,000 events rewrote most rosters every time:
 * 20,000 cut the rebuild's thread that replays them from about 14 to 11 s of CPU.
 */
export const BATCH = 20_000;
const PAGE = 1000;

/**
 * Before a replay reads on, with a `signal`: lets the event loop turn (a replay's awaits otherwise
 * never yield to it, so a worker's failure would only be seen at the end), then stops the replay
 * if the signal aborted, with its reason.
 */
export async function betweenReads(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}

/**
 * Applies the log to `store` for these projections, each from its checkpoint up to `target`
 * (inclusive). Projections standing at the same checkpoint (normally all of them) share each
 * batch: one read of the log, one commit. One that is behind the others is brought up to them first.
 * Once `signal` aborts, it stops before its next batch with the abort's reason.
 */
export async function catchUp(eventStore: EventStore, store: ReadStore, projections: readonly Projection[], target: bigint | null, signal?: AbortSignal): Promise<void> {
  if (target === null) return;
  for (;;) {
    await betweenReads(signal);
    const checkpoints = await Promise.all(projections.map(async (p) => ({ projection: p, checkpoint: await store.getCheckpoint(p.name) })));
    const behind = checkpoints.filter(({ checkpoint }) => checkpoint === null || checkpoint < target);
    if (behind.length === 0) return;
    const lowest = behind.some(({ checkpoint }) => checkpoint === null) ? null : minimum(behind.map(({ checkpoint }) => checkpoint!));
    const group = behind.filter(({ checkpoint }) => checkpoint === lowest).map(({ projection }) => projection);
    // The group stops where the next projection stands, and goes on with it from there.
    const until = minimum([target, ...behind.filter(({ checkpoint }) => checkpoint !== lowest).map(({ checkpoint }) => checkpoint!)]);
    const read = await eventStore.readAll({ after: lowest ?? undefined, limit: BATCH });
    if (read.length === 0) return;
    const events = read.filter((event) => event.position <= until);
    // A batch that reaches past `until` holds every event up to it: the group stands there.
    const last = events.length < read.length ? until : read[read.length - 1].position;
    await applyInOneBatch(store, group, events, last);
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
export type ComparedStore = Pick<ReadStore, 'find' | 'getView'>;

/** A document, with each of its collection's views as the store keeps it rendered ({} if none). */
interface Compared {
  doc: Doc;
  views: Record<string, Record<string, unknown>>;
}

/**
 * Every document of a collection in `_id` order, a page at a time, each with its views read by its
 * id: a live projector may commit between two reads, so rows are never paired by position.
 */
async function* documents(store: ComparedStore, collection: CollectionSpec, signal: AbortSignal | undefined): AsyncGenerator<Compared> {
  const viewNames = Object.keys(collection.views ?? {});
  let from: string | null = null;
  for (;;) {
    await betweenReads(signal);
    const filter: Filter = from === null ? {} : { _id: { $gte: from } };
    const page = await store.find(collection.name, filter, { sort: [['_id', 1]], limit: PAGE + 1 });
    for (const doc of page) {
      if (doc._id === from) continue;
      const views: Compared['views'] = {};
      for (const view of viewNames) {
        const text = await store.getView(collection.name, doc._id, view, {});
        views[view] = text === null ? {} : (JSON.parse(text) as Record<string, unknown>);
      }
      yield { doc, views };
    }
    if (page.length < PAGE + 1) return;
    from = page[page.length - 1]._id;
  }
}

function differentFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
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

/**
 * Merge-joins both collections by `_id` and lists every document (or view of one) that is not
 * identical. Once `signal` aborts, it stops before its next page with the abort's reason.
 */
export async function compareProjection(projection: Projection, rebuilt: ComparedStore, live: ComparedStore, signal?: AbortSignal): Promise<Difference[]> {
  const found: Difference[] = [];
  for (const collection of projection.collections) {
    const left = documents(rebuilt, collection, signal);
    const right = documents(live, collection, signal);
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
   * Where it can do better than `catchUp`: builds these projections, which `fresh` does not hold
   * yet, from the beginning of the log up to `target`; stops as `catchUp` does once `signal` aborts.
   */
  build?(eventStore: EventStore, projections: readonly Projection[], target: bigint | null, signal?: AbortSignal): Promise<void>;
  /**
   * Replaces the live collections of `projections` with the fresh ones, with the checkpoints.
   * `catchUp` brings the fresh build of these projections to a position (the live one may have
   * moved), or with none to the log's head as it is then; given `signal`, it stops as `catchUp`
   * does once that aborts, which each switch-over passes on only where stopping leaves the live
   * read models as they were (before it replaces any of them).
   * Resolves to what the operator should know about the switch (printed), or null.
   */
  switchOver(
    projections: readonly Projection[],
    catchUp: (projections: readonly Projection[], target?: bigint, signal?: AbortSignal) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<string | null>;
  /** Removes the fresh storage. */
  discard(): Promise<void>;
}

export interface RebuildReport {
  projections: string[];
  /** Only with verify: what differs between the rebuild and the live models. */
  differences: Difference[] | null;
  switched: boolean;
  /** Only when switched: what the switch-over said about it, if anything. */
  switchNote: string | null;
}

/** Attempts to get a stable comparison while the live projector keeps moving (a store without snapshots). */
const VERIFY_ATTEMPTS = 5;

export async function rebuildProjections(options: {
  eventStore: EventStore;
  live: ReadStore;
  target: SwitchOver;
  projections: readonly Projection[];
  verify: boolean;
  /**
   * Once aborted, the rebuild stops with the abort's reason at its next batch of the log (or
   * page of a comparison), or at the switch-over's next check before it replaces any live read
   * model; from there on it finishes.
   */
  signal?: AbortSignal;
}): Promise<RebuildReport> {
  const { eventStore, live, target, projections, verify, signal } = options;
  const specs = projections.flatMap((p) => p.collections);
  await live.ensureCollections(specs);
  await target.fresh.ensureCollections(specs);
  const head = await eventStore.headPosition();
  // A projection that never ran live is built to the head of the log.
  const liveCheckpoint = async (p: Projection) => (await live.getCheckpoint(p.name)) ?? head;
  const names = projections.map((p) => p.name);

  if (!verify) {
    await catchUpTo(eventStore, target, projections, await Promise.all(projections.map(liveCheckpoint)), signal);
    const switchNote = await target.switchOver(
      projections,
      async (group, position, stop) => catchUp(eventStore, target.fresh, group, position ?? (await eventStore.headPosition()), stop),
      signal,
    );
    return { projections: names, differences: null, switched: true, switchNote };
  }

  const compareAt = async (checkpoints: ReadonlyArray<bigint | null>): Promise<Difference[]> => {
    await catchUpTo(eventStore, target, projections, checkpoints, signal);
    const found: Difference[] = [];
    for (const projection of projections) found.push(...(await compareProjection(projection, target.fresh, live, signal)));
    return found;
  };
  if (live.readSnapshot) {
    // The live models as of one commit, checkpoints included: a projector that keeps moving meanwhile does not matter.
    const differences = await live.readSnapshot(async () => compareAt(await Promise.all(projections.map(liveCheckpoint))));
    return { projections: names, differences, switched: false, switchNote: null };
  }
  let differences: Difference[] = [];
  for (let attempt = 1; attempt <= VERIFY_ATTEMPTS; attempt++) {
    const before = await Promise.all(projections.map(liveCheckpoint));
    differences = await compareAt(before);
    const after = await Promise.all(projections.map(liveCheckpoint));
    // The live models moved while being compared: compare again at the new checkpoint.
    if (after.every((position, i) => position === before[i])) break;
  }
  return { projections: names, differences, switched: false, switchNote: null };
}

/**
 * Brings each projection to its own target; those with the same target share one pass over the
 * log, built by the switch-over's `build` while the fresh storage holds none of them.
 */
async function catchUpTo(
  eventStore: EventStore,
  switchOver: SwitchOver,
  projections: readonly Projection[],
  targets: ReadonlyArray<bigint | null>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const store = switchOver.fresh;
  const byTarget = new Map<bigint | null, Projection[]>();
  projections.forEach((projection, i) => byTarget.set(targets[i], [...(byTarget.get(targets[i]) ?? []), projection]));
  for (const [target, group] of byTarget) {
    const fresh = (await Promise.all(group.map((p) => store.getCheckpoint(p.name)))).every((checkpoint) => checkpoint === null);
    if (fresh && switchOver.build) await switchOver.build(eventStore, group, target, signal);
    else await catchUp(eventStore, store, group, target, signal);
  }
}

function minimum(positions: readonly bigint[]): bigint {
  return positions.reduce((low, position) => (position < low ? position : low));
}
