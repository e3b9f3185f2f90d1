import { Inject, Injectable } from '@nestjs/common';
import type { EventStore } from '../../../../libs/event-store/src/event-store.js';
import { allProjections } from '../../../../libs/read-model/src/projections.js';
import type { QueryStore } from '../../../../libs/read-model/src/read-store.js';
import { EVENT_STORE, READ_STORE } from '../infrastructure/tokens.js';

export interface ProjectionLag {
  projection: string;
  /** Stored checkpoint (what the read model really holds, whichever process projects). */
  checkpoint: bigint | null;
  /** Events after the checkpoint, counted up to `cap` (so a huge backlog reports `cap`). */
  events: number;
  /** Age of the oldest unapplied event, 0 when caught up. */
  seconds: number;
}

/**
 * How far each projection is behind the event log, from the checkpoints stored in the read store
 * (so it is right both when this process projects and when the projector app does).
 */
@Injectable()
export class ProjectionLagProbe {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: QueryStore,
  ) {}

  async measure(cap: number, now = Date.now()): Promise<ProjectionLag[]> {
    // Projections usually share a checkpoint: read the log once per distinct checkpoint.
    const pendingAfter = new Map<string, Promise<{ events: number; seconds: number }>>();
    return Promise.all(
      allProjections.map(async ({ name }) => {
        const checkpoint = await this.readStore.getCheckpoint(name);
        const key = String(checkpoint);
        if (!pendingAfter.has(key)) pendingAfter.set(key, this.pending(checkpoint, cap, now));
        return { projection: name, checkpoint, ...(await pendingAfter.get(key)!) };
      }),
    );
  }

  private async pending(checkpoint: bigint | null, cap: number, now: number) {
    const events = await this.eventStore.readAll({ after: checkpoint ?? undefined, limit: Math.max(cap, 1) });
    if (events.length === 0) return { events: 0, seconds: 0 };
    const oldest = Date.parse(events[0].metadata.occurredAt);
    return { events: Math.min(events.length, cap), seconds: Number.isNaN(oldest) ? 0 : Math.max(0, (now - oldest) / 1000) };
  }
}
