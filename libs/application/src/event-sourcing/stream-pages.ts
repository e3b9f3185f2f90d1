import type { EventStore, StoredEvent } from '../../../event-store/src/event-store.js';

/** Events per page: about 2 MB of parsed events for an exam schedule's assignments. */
export const STREAM_PAGE = 1000;

/**
 * A stream read page by page from `fromRevision`, so that no more than a page of it is held at
 * once: an organization's exam schedule of 50,000 events read whole took over 100 MB of heap at
 * an API's start (the outside check of session 44), past `npm start`'s 160 MB cap.
 */
export async function* streamPages(
  eventStore: EventStore,
  streamId: string,
  fromRevision = 0n,
  pageSize = STREAM_PAGE,
): AsyncGenerator<StoredEvent[]> {
  let from = fromRevision;
  for (;;) {
    const page = await eventStore.readStream(streamId, { fromRevision: from, maxCount: pageSize });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    from = page[page.length - 1].revision + 1n;
  }
}
