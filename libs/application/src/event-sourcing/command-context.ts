/** Who asked, when, and in which request: stamped on every event a command appends. */
export interface CommandContext {
  organization: string;
  actor: string;
  correlationId: string;
  /** The id of the command/request that caused the append; defaults to the correlation id. */
  causationId?: string;
  now: Date;
}
