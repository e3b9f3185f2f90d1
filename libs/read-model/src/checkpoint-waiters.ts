export class ProjectionLagTimeoutError extends Error {
  constructor(position: bigint, timeoutMs: number) {
    super(`Read models did not reach position ${position} within ${timeoutMs} ms`);
    this.name = 'ProjectionLagTimeoutError';
  }
}

interface Waiter {
  position: bigint;
  resolve: () => void;
}

/** Read-your-writes callers waiting for the projections to pass a position, each bounded in time. */
export class CheckpointWaiters {
  private waiters: Waiter[] = [];

  /** `reached(position)`: whether every projection has applied the event at `position`. */
  constructor(private readonly reached: (position: bigint) => boolean) {}

  /** Resolves once `reached(position)` holds at a `release`; rejects after `timeoutMs`. */
  wait(position: bigint, timeoutMs: number): Promise<void> {
    if (this.reached(position)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ProjectionLagTimeoutError(position, timeoutMs));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Resolves every waiter whose position has been reached. */
  release(): void {
    const done: Waiter[] = [];
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) (this.reached(waiter.position) ? done : waiting).push(waiter);
    this.waiters = waiting;
    for (const waiter of done) waiter.resolve();
  }
}
