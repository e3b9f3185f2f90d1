import { constants } from 'node:os';
import { CommandError } from './args.js';

type StopSignal = 'SIGINT' | 'SIGTERM';

/** A command stopped by its operator (Ctrl-C) or a supervisor (SIGTERM): exit code 128 + the signal's number. */
export class Interrupted extends CommandError {
  readonly exitCode: number;

  constructor(signal: StopSignal, message: string) {
    super(`Interrupted (${signal}): ${message}`);
    this.exitCode = 128 + constants.signals[signal];
  }
}

/**
 * Runs `work` with a signal that the first SIGINT or SIGTERM aborts, with an `Interrupted` saying
 * `outcome` as its reason: the work stops at its next check and cleans up before it rejects. A
 * second signal exits at once, leaving whatever the work had made.
 */
export async function interruptible<T>(outcome: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = (signal: StopSignal) => {
    if (controller.signal.aborted) {
      process.stderr.write(`Stopped at once (${signal}): files it was writing are left in place\n`);
      process.exit(128 + constants.signals[signal]);
    }
    process.stderr.write(`Stopping (${signal}) at the next batch; ${signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal'} stops at once\n`);
    controller.abort(new Interrupted(signal, outcome));
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
