import type { Filter } from './read-store.js';

/**
 * Read-your-writes kept on the read side (the embedded stores, whose projector is the API's own
 * thread): a command answers once its events are stored, and every read of the read models first
 * waits until the projector has applied the log as far as this process had appended when the read
 * began. A query sent after a command's 2xx begins after that command's append, so it sees it; a
 * read while nothing is being written waits for nothing (two positions compared).
 *
 * A read filtered to one organization sees only that organization's documents, which only its
 * events change: it waits for that organization's appends alone, so one tenant's burst of
 * commands does not slow another's reads. Any other read waits for every append.
 */
export interface ReadGate {
  /**
   * Null when a read may start now; else settles when it may, or rejects with ReadModelsBehindError.
   * `organization`: the one organization the read is filtered to, or null (any).
   */
  beforeRead(organization: string | null): Promise<void> | null;
}

/** The organization a filter (or a retrieve's match) restricts a read to, or null when it names none, or several. */
export function organizationOf(filter: Filter | Readonly<Record<string, string>>): string | null {
  const organization = filter.Organization;
  return typeof organization === 'string' ? organization : null;
}

/**
 * The read models did not reach the head a read waited for within the bound (answered 503).
 * `stored`: the read was a command's answer, read after its events were stored.
 */
export class ReadModelsBehindError extends Error {
  constructor(
    readonly position: bigint,
    readonly timeoutMs: number,
    readonly stored = false,
  ) {
    super(`Read models did not reach position ${position} within ${timeoutMs} ms`);
    this.name = 'ReadModelsBehindError';
  }
}

/** A command's answer read from the read models after it stored its events: a timeout then says so. */
export function readAfterStoring<T>(read: Promise<T>): Promise<T> {
  return read.catch((error: unknown) => {
    throw error instanceof ReadModelsBehindError && !error.stored ? new ReadModelsBehindError(error.position, error.timeoutMs, true) : error;
  });
}

/** Runs `read` once the gate lets it (at once, without a promise turn, when there is none or it is open). */
export function afterGate<T>(gate: ReadGate | null, organization: string | null, read: () => Promise<T>): Promise<T> {
  const waiting = gate?.beforeRead(organization) ?? null;
  return waiting === null ? read() : waiting.then(read);
}
