import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
} from '../../../../libs/event-store/src/event-store.js';
import { WrongExpectedRevisionError } from '../../../../libs/event-store/src/event-store.js';
import { ForwardingEventStore } from '../../../../libs/event-store/src/forwarding-event-store.js';
import type { Histogram } from 'prom-client';

/** An EventStore decorator that measures append latency; everything else passes through. */
export class TimedEventStore extends ForwardingEventStore {
  constructor(
    inner: EventStore,
    private readonly appendDuration: Histogram<'result'>,
  ) {
    super(inner);
  }

  override async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const end = this.appendDuration.startTimer();
    try {
      const result = await this.inner.append(streamId, events, expected);
      end({ result: 'ok' });
      return result;
    } catch (error) {
      end({ result: error instanceof WrongExpectedRevisionError ? 'conflict' : 'error' });
      throw error;
    }
  }
}
