/**
 * Read-your-writes: a command answers only after the read models have applied its events, so the
 * client's very next query sees them. Implemented by the in-process projection runner.
 */
export abstract class ReadYourWrites {
  abstract waitFor(position: bigint | null): Promise<void>;
}
