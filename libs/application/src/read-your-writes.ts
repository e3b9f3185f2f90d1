/**
 * Read-your-writes: once `waitFor(position)` resolves, every read of the read models that starts
 * afterwards sees the events up to `position`, so a command awaits it before answering and the
 * client's very next query sees its effect. On MongoDB or EventStoreDB it waits until the read
 * models have applied the position (this process's runner, or the projector app's checkpoints); on
 * the embedded stores it resolves at once, because there every read waits for this process's
 * appends instead (ReadGate).
 */
export abstract class ReadYourWrites {
  /** `organization`: the one the command was made for (the embedded stores' reads wait per organization). */
  abstract waitFor(position: bigint | null, organization: string): Promise<void>;
}
