import type { StoredEvent } from '../../../event-store/src/event-store.js';

/** Who asked, when, and in which request: stamped on every event a command appends. */
export interface CommandContext {
  organization: string;
  actor: string;
  correlationId: string;
  /** The id of the command/request that caused the append; defaults to the correlation id. */
  causationId?: string;
  now: Date;
  /**
   * Set on a completion written on another request's behalf (whose time `now` then is): when it
   * was written, by this process's clock. Stored as `completedAt`, so an auditor can tell.
   */
  completedAt?: Date;
}

/**
 * The context to complete another request's decision with: the fact is that request's (its actor,
 * request id and time, as auditors read them), the completing request is its cause, and the
 * completing request's time is when it was written.
 */
export function onBehalfOf(completing: CommandContext, decided: StoredEvent | undefined): CommandContext {
  if (decided === undefined) return completing;
  const { actor, correlationId, occurredAt } = decided.metadata;
  return {
    organization: completing.organization,
    actor,
    correlationId,
    causationId: completing.correlationId,
    now: new Date(occurredAt),
    completedAt: completing.completedAt ?? completing.now,
  };
}

/**
 * The context of the request that stored `decided`, for a completion that no request asked for (a
 * reactor's), written at `completedAt`.
 */
export function asStoredBy(decided: StoredEvent, completedAt: Date): CommandContext {
  const { organization, actor, correlationId, causationId, occurredAt } = decided.metadata;
  return { organization, actor, correlationId, causationId: causationId ?? correlationId, now: new Date(occurredAt), completedAt };
}
