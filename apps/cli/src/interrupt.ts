import { constants } from 'node:os';
import { CommandError } from './args.js';

type StopSignal = 'SIGINT' | 'SIGTERM';

/** As a shell reports a process the signal killed: 128 + the signal's number. */
const exitCodeOf = (signal: StopSignal) => 128 + constants.signals[signal];

/** A command stopped by its operator (Ctrl-C) or a supervisor (SIGTERM): exit code 128 + the signal's number. */
export class Interrupted extends CommandError {
  readonly exitCode: number;

  constructor(signal: StopSignal, message: string) {
    super(`Interrupted (${signal}): ${message}`);
    this.exitCode = exitCodeOf(signal);
  }
}

export interface InterruptMessages {
  /** Said at the first signal: what the work does now. */
  stopping: string;
  /** The `Interrupted` error's message, once the work has stopped. */
  stopped: string;
  /** Said at a second signal, before exiting at once: what the work leaves behind. */
  left: string;
}

/**
 * Runs `work` with a signal that the first SIGINT or SIGTERM aborts, with an `Interrupted` as its
 * reason: the work stops at its next check and cleans up before it rejects. A second signal exits
 * at once, leaving whatever the work had made; but not one handled in the same turn of the event
 * loop as the first: both arrived while the process was busy (a long step of SQLite work), and an
 * operator pressing Ctrl-C twice at a silent prompt meant the first.
 */
export async function interruptible<T>(messages: InterruptMessages, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let turnedSinceFirst = false;
  const stop = (signal: StopSignal) => {
    if (controller.signal.aborted) {
      if (!turnedSinceFirst) return;
      process.stderr.write(`Stopped at once (${signal}): ${messages.left}\n`);
      process.exit(exitCodeOf(signal));
    }
    process.stderr.write(`Stopping (${signal}): ${messages.stopping}; ${signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal'} stops at once\n`);
    controller.abort(new Interrupted(signal, messages.stopped));
    setImmediate(() => (turnedSinceFirst = true));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
