import type { StoredEvent } from '../../../event-store/src/event-store.js';

/** Who asked, when, and in which request: stamped on every event a command appends. */
export interface CommandContext {
  organization: string;
  actor: string;
  correlationId: string;
  /** The id of the command/request that caused the append; defaults to the correlation id. */
  causationId?: string;
  now: Date;
}

/**
 * The context to complete another request's decision with: the fact is that request's (its actor,
 * request id and time, as auditors read them), and the completing request is its cause.
 */
export function onBehalfOf(completing: CommandContext, decided: StoredEvent | undefined): CommandContext {
  if (decided === undefined) return completing;
  const { actor, correlationId, occurredAt } = decided.metadata;
  return { organization: completing.organization, actor, correlationId, causationId: completing.correlationId, now: new Date(occurredAt) };
}

/** The context of the request that stored `decided`, for a completion that no request asked for (a reactor's). */
export function asStoredBy(decided: StoredEvent): CommandContext {
  const { organization, actor, correlationId, causationId, occurredAt } = decided.metadata;
  return { organization, actor, correlationId, causationId: causationId ?? correlationId, now: new Date(occurredAt) };
}
