import { ReadYourWrites } from './read-your-writes.js';

/** What this needs of the read store: the stored checkpoint of each projection. */
export interface CheckpointSource {
  getCheckpoint(projection: string): Promise<bigint | null>;
}

export class ReadYourWritesTimeoutError extends Error {
  constructor(position: bigint, timeoutMs: number) {
    super(`Read models did not reach position ${position} within ${timeoutMs} ms`);
    this.name = 'ReadYourWritesTimeoutError';
  }
}

export interface CheckpointPollingOptions {
  timeoutMs?: number;
  pollIntervalMs?: number;
}

/**
 * Read-your-writes for an API replica that does not run the projector: another process (the
 * projector app) applies the events, so the only shared truth is the checkpoints it stores with
 * the read models. Polls them until every projection has passed the position (bounded).
 */
export class CheckpointReadYourWrites extends ReadYourWrites {
  private readonly timeoutMs: number;
  private readonly pollIntervalMs: number;

  constructor(
    private readonly checkpoints: CheckpointSource,
    private readonly projectionNames: readonly string[],
    options: CheckpointPollingOptions = {},
  ) {
    super();
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
  }

  async waitFor(position: bigint | null): Promise<void> {
    if (position === null) return;
    const deadline = Date.now() + this.timeoutMs;
    while (!(await this.reached(position))) {
      if (Date.now() >= deadline) throw new ReadYourWritesTimeoutError(position, this.timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
    }
  }

  private async reached(position: bigint): Promise<boolean> {
    const checkpoints = await Promise.all(this.projectionNames.map((name) => this.checkpoints.getCheckpoint(name)));
    return checkpoints.every((checkpoint) => checkpoint !== null && checkpoint >= position);
  }
}
