import { once } from 'node:events';
import { exportEvents } from '../../../../libs/application/src/audit/event-export.js';
import { type ParsedArgs, stringOption, UsageError } from '../args.js';
import { cliConfig, rawEventStore, withStore } from './audit-stores.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `events export [--from POSITION] [--org UUID]`: the history as NDJSON on stdout. */
export async function eventsExportCommand(args: ParsedArgs): Promise<void> {
  const from = stringOption(args, 'from');
  if (from !== undefined && !/^\d+$/.test(from)) throw new UsageError('--from needs a position (a non-negative integer)');
  const organization = stringOption(args, 'org');
  if (organization !== undefined && !UUID.test(organization)) throw new UsageError('--org needs an organization uuid');
  await withStore(rawEventStore(cliConfig()), async (store) => {
    const lines = exportEvents(store, {
      from: from === undefined ? undefined : BigInt(from),
      organization: organization?.toLowerCase(),
    });
    for await (const line of lines) {
      // Respect the pipe's backpressure: the history may be far larger than memory.
      if (!process.stdout.write(line)) await once(process.stdout, 'drain');
    }
  });
}
