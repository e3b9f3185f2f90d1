import { once } from 'node:events';
import { exportEvents } from '../../../../libs/application/src/audit/event-export.js';
import { MAX_POSITION } from '../../../../libs/event-store/src/event-store.js';
import { type ParsedArgs, stringOption, UsageError } from '../args.js';
import { cliConfig, rawEventStore, withStore } from './audit-stores.js';
import { isUuid } from '../../../../libs/domain/src/shared/ids.js';

/** `events export [--from POSITION] [--org UUID] [--event UUID]`: the history as NDJSON on stdout. */
export async function eventsExportCommand(args: ParsedArgs): Promise<void> {
  const from = stringOption(args, 'from');
  if (from !== undefined && (!/^\d+$/.test(from) || BigInt(from) > MAX_POSITION)) {
    throw new UsageError(`--from needs a position (an integer from 0 to ${MAX_POSITION})`);
  }
  const organization = stringOption(args, 'org');
  if (organization !== undefined && !isUuid(organization)) throw new UsageError('--org needs an organization uuid');
  const examEvent = stringOption(args, 'event');
  if (examEvent !== undefined && !isUuid(examEvent)) throw new UsageError('--event needs an exam event uuid');
  await withStore(await rawEventStore(cliConfig()), async (store) => {
    const lines = exportEvents(store, {
      from: from === undefined ? undefined : BigInt(from),
      organization: organization?.toLowerCase(),
      examEvent: examEvent?.toLowerCase(),
    });
    for await (const line of lines) {
      // Respect the pipe's backpressure: the history may be far larger than memory.
      if (!process.stdout.write(line)) await once(process.stdout, 'drain');
    }
  });
}
