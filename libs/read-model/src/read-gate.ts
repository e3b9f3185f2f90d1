/**
 * Read-your-writes kept on the read side (the embedded stores, whose projector is the API's own
 * thread): a command answers once its events are stored, and every read of the read models first
 * waits until the projector has applied the log as far as this process had appended when the read
 * began. A query sent after a command's 2xx begins after that command's append, so it sees it; a
 * read while nothing is being written waits for nothing (two positions compared).
 */
export interface ReadGate {
  /** Null when a read may start now; else settles when it may, or rejects with ReadModelsBehindError. */
  beforeRead(): Promise<void> | null;
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
export function afterGate<T>(gate: ReadGate | null, read: () => Promise<T>): Promise<T> {
  const waiting = gate?.beforeRead() ?? null;
  return waiting === null ? read() : waiting.then(read);
}
