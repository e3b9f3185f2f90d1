/**
 * What a process needs of the projector it runs: the in-process ProjectionRunner, or the API's
 * worker thread (ProjectorThread) that runs one on the embedded stores.
 */
export interface Projector {
  readonly projectionNames: string[];
  /** Catches up with the log, then follows it. */
  start(): Promise<void>;
  /** Stops following; resolves once the batch in progress is committed. */
  stop(): Promise<void>;
  /** Read-your-writes: resolves once every projection has applied the event at `position`. */
  waitFor(position: bigint, timeoutMs?: number): Promise<void>;
  /** For health checks: why the projector is not making progress, or null. */
  readonly failing: unknown;
}
