/**
 * `projections rebuild`: replays the whole history into FRESH read-model storage, then either
 * compares it with the live read models (`--verify`) or switches the live ones over to it. Live
 * and fresh are compared at the same checkpoint: the fresh build is caught up to exactly the
 * position the live projection has reached, never past it.
 */
import type { EventStore } from '../../../event-store/src/event-store.js';
import { canonicalJson } from '../../../event-store/src/hash-chain.js';
import type { Projection } from '../../../read-model/src/projection.js';
import type { Doc, ReadStore, ReadView } from '../../../read-model/src/read-store.js';

/**
 * Events per batch (one transaction). A rebuild replays into fresh storage that nobody waits on:
 * larger batches cost fewer commits, and the session writes a document changed by several events
 * of a batch (a registration and its next events) once.
 */
const BATCH = 5_000;
const PAGE = 1000;

/**
 * Applies the log to `store` for these projections, each from its checkpoint up to `target`
 * (inclusive). Projections standing at the same checkpoint (normally all of them) share each
 * batch: one read of the log, one commit. One that is behind the others is brought up to them first.
 */
export async function catchUp(eventStore: EventStore, store: ReadStore, projections: readonly Projection[], target: bigint | null): Promise<void> {
  if (target === null) return;
  for (;;) {
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
    await store.runBatch(
      group.map((p) => p.name),
      async (session) => {
        for (const event of events) {
          // Each projection reads only its own collections, so interleaving them per event is safe.
          for (const projection of group) {
            const changes = await projection.project(event, session);
            if (changes.length > 0) await session.apply(changes);
          }
        }
        return last;
      },
    );
  }
}

export interface Difference {
  projection: string;
  collection: string;
  id: string;
  /** `missing`: only the rebuild has it; `unexpected`: only the live model has it. */
  kind: 'missing' | 'unexpected' | 'different';
  /** For `different`: the top-level fields whose values differ. */
  fields?: string[];
}

/** Every document of a collection in `_id` order, a page at a time. */
async function* documents(view: ReadView, collection: string): AsyncGenerator<Doc> {
  let from: string | null = null;
  for (;;) {
    const page = await view.find(collection, from === null ? {} : { _id: { $gte: from } }, {
      sort: [['_id', 1]],
      limit: PAGE + 1,
    });
    const fresh = from === null ? page : page.filter((doc) => doc._id !== from);
    for (const doc of fresh) yield doc;
    if (page.length < PAGE + 1) return;
    from = page[page.length - 1]._id;
  }
}

function differentFields(a: Doc, b: Doc): string[] {
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return fields.filter((field) => canonicalJson(a[field] ?? null) !== canonicalJson(b[field] ?? null));
}

/** Merge-joins both collections by `_id` and lists every document that is not identical. */
export async function compareProjection(projection: Projection, rebuilt: ReadView, live: ReadView): Promise<Difference[]> {
  const differences: Difference[] = [];
  for (const { name: collection } of projection.collections) {
    const left = documents(rebuilt, collection);
    const right = documents(live, collection);
    let a = await left.next();
    let b = await right.next();
    const add = (id: string, kind: Difference['kind'], fields?: string[]) =>
      differences.push({ projection: projection.name, collection, id, kind, ...(fields ? { fields } : {}) });
    while (!a.done || !b.done) {
      if (b.done || (!a.done && a.value._id < b.value._id)) {
        add((a.value as Doc)._id, 'missing');
        a = await left.next();
      } else if (a.done || b.value._id < a.value._id) {
        add(b.value._id, 'unexpected');
        b = await right.next();
      } else {
        const fields = differentFields(a.value, b.value);
        if (fields.length > 0) add(a.value._id, 'different', fields);
        a = await left.next();
        b = await right.next();
      }
    }
  }
  return differences;
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
    await catchUpTo(eventStore, target.fresh, projections, await Promise.all(projections.map(liveCheckpoint)));
    await target.switchOver(projections, (projection, position) => catchUp(eventStore, target.fresh, [projection], position));
    return { projections: names, differences: null, switched: true };
  }

  let differences: Difference[] = [];
  for (let attempt = 1; attempt <= VERIFY_ATTEMPTS; attempt++) {
    const before = await Promise.all(projections.map(liveCheckpoint));
    await catchUpTo(eventStore, target.fresh, projections, before);
    differences = [];
    for (const projection of projections) differences.push(...(await compareProjection(projection, target.fresh, live)));
    const after = await Promise.all(projections.map(liveCheckpoint));
    // The live models moved while being compared: compare again at the new checkpoint.
    if (after.every((position, i) => position === before[i])) break;
  }
  return { projections: names, differences, switched: false };
}

/** Brings each projection to its own target; those with the same target share one pass over the log. */
async function catchUpTo(eventStore: EventStore, store: ReadStore, projections: readonly Projection[], targets: ReadonlyArray<bigint | null>): Promise<void> {
  const byTarget = new Map<bigint | null, Projection[]>();
  projections.forEach((projection, i) => byTarget.set(targets[i], [...(byTarget.get(targets[i]) ?? []), projection]));
  for (const [target, group] of byTarget) await catchUp(eventStore, store, group, target);
}

function minimum(positions: readonly bigint[]): bigint {
  return positions.reduce((low, position) => (position < low ? position : low));
}
