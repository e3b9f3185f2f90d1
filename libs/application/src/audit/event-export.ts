import { type EventStore, readAllUpToUnreadable, type StoredEvent } from '../../../event-store/src/event-store.js';
import { examEventStreamId } from '../../../domain/src/exam-event/exam-event.decider.js';

export interface ExportOptions {
  /** First position to include. */
  from?: bigint;
  /** Only this organization's events. */
  organization?: string;
  /** Only the events about this exam event (`aboutExamEvent`). */
  examEvent?: string;
}

/**
 * Whether `event` is about that exam event: one of its own stream, or one naming it as `EventId`,
 * `FromEventId` or `ToEventId` (its number in the schedule, its slot released, a registration
 * joining, leaving or cancelled on it), which its own stream's history does not show.
 */
export function aboutExamEvent(event: StoredEvent, eventId: string): boolean {
  const { EventId, FromEventId, ToEventId } = event.data;
  return event.streamId === examEventStreamId(eventId) || EventId === eventId || FromEventId === eventId || ToEventId === eventId;
}

const BATCH = 1000;

/**
 * The history as NDJSON, one stored event per line in log order, exactly as stored (pass the raw
 * store: old schema versions stay as written, and `Metadata.hash` lets anyone re-check the chains
 * from the file alone). Positions and revisions are strings. An event that cannot be read ends the
 * export with its `UnreadableEventError`, after every line before it.
 */
export async function* exportEvents(store: EventStore, options: ExportOptions = {}): AsyncGenerator<string> {
  let after = options.from !== undefined && options.from > 0n ? options.from - 1n : undefined;
  for (;;) {
    const { events: batch, unreadable } = await readAllUpToUnreadable(store, { after, limit: BATCH });
    for (const event of batch) {
      if (options.from !== undefined && event.position < options.from) continue;
      if (options.organization !== undefined && event.metadata.organization !== options.organization) continue;
      if (options.examEvent !== undefined && !aboutExamEvent(event, options.examEvent)) continue;
      yield `${JSON.stringify(exportLine(event))}\n`;
    }
    if (unreadable !== null) throw unreadable;
    if (batch.length < BATCH) return;
    after = batch[batch.length - 1].position;
  }
}

function exportLine(event: StoredEvent) {
  return {
    Position: event.position.toString(),
    StreamId: event.streamId,
    Revision: event.revision.toString(),
    Type: event.type,
    Data: event.data,
    Metadata: event.metadata,
  };
}
