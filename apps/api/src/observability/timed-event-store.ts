import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  Unsubscribe,
} from '../../../../libs/event-store/src/event-store.js';
import { WrongExpectedRevisionError } from '../../../../libs/event-store/src/event-store.js';
import type { Histogram } from 'prom-client';

/** An EventStore decorator that measures append latency; everything else passes through. */
export class TimedEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly appendDuration: Histogram<'result'>,
  ) {}

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
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

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return this.inner.readStream(streamId, options);
  }

  readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    return this.inner.readAll(options);
  }

  headPosition(): Promise<bigint | null> {
    return this.inner.headPosition();
  }

  onAppended(listener: () => void): Unsubscribe {
    return this.inner.onAppended(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
