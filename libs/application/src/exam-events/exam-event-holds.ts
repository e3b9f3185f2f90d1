/**
 * Closes cancel's race in this process: a registration command holds the exam event it joins
 * (shared) from the moment it decides on it until its registration is stored (and, where commands
 * wait for the read models, applied); cancelling an exam event holds it alone, from before it
 * counts the event's active registrations until its cancellation is stored. So the count sees
 * every registration that decided on the event, and a registration waiting to join an event that
 * is being cancelled looks again afterwards (finding it cancelled, it takes a new event).
 *
 * Across processes (several API instances on the server adapters) the race stays as
 * docs/decisions.md describes: the registration does not append to the event's stream.
 */
type Release = () => void;

interface HeldEvent {
  joined: number;
  /** Set while a cancellation holds the event: settles when it releases it. */
  cancelling: Promise<void> | null;
  /** Wakes the cancellation waiting for the last registration to leave. */
  drained: (() => void) | null;
}

export class ExamEventHolds {
  private readonly events = new Map<string, HeldEvent>();
  private cancellationsEnded = 0;

  /**
   * A mark to take before reading whether an event is cancelled; `changedSince(mark)` after
   * joining it says whether a cancellation may have been stored since that read (look again).
   */
  mark(): number {
    return this.cancellationsEnded;
  }

  changedSince(mark: number): boolean {
    return this.cancellationsEnded !== mark;
  }

  /** Holds the event for a registration; waits while a cancellation holds it. */
  async join(eventId: string): Promise<Release> {
    const entry = await this.takeWhenNotCancelling(eventId, (held) => held.joined++);
    return once(() => {
      entry.joined--;
      if (entry.joined > 0) return;
      if (entry.drained) entry.drained();
      else this.events.delete(eventId);
    });
  }

  /** Holds the event alone: waits for the registrations holding it to leave; new ones wait for the release. */
  async cancel(eventId: string): Promise<Release> {
    let end!: () => void;
    const entry = await this.takeWhenNotCancelling(eventId, (held) => (held.cancelling = new Promise((resolve) => (end = resolve))));
    if (entry.joined > 0) await new Promise<void>((resolve) => (entry.drained = resolve));
    entry.drained = null;
    return once(() => {
      this.cancellationsEnded++;
      entry.cancelling = null;
      if (entry.joined === 0) this.events.delete(eventId);
      end();
    });
  }

  /**
   * Waits until no cancellation holds the event, then runs `take` on its entry (made when there is
   * none) in the same turn: nothing else can take it between the check and `take`.
   */
  private async takeWhenNotCancelling(eventId: string, take: (held: HeldEvent) => unknown): Promise<HeldEvent> {
    let held = this.events.get(eventId);
    while (held?.cancelling) {
      await held.cancelling;
      held = this.events.get(eventId);
    }
    if (held === undefined) {
      held = { joined: 0, cancelling: null, drained: null };
      this.events.set(eventId, held);
    }
    take(held);
    return held;
  }
}

function once(release: Release): Release {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release();
  };
}
