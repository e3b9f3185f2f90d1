import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { StoreConfig } from '../../../../libs/application/src/config/app-config.js';
import { auditedEventStore } from '../../../../libs/application/src/audit/audited-event-store.js';
import { rebuildProjections, type RebuildReport, type SwitchOver } from '../../../../libs/application/src/audit/projection-rebuild.js';
import { SqliteSwitchOver } from '../../../../libs/application/src/audit/sqlite-switch-over.js';
import { embeddedEventStoreFile } from '../../../../libs/event-store/src/index.js';
import { createReadStore } from '../../../../libs/read-model/src/index.js';
import { removeAbandonedGenerations } from '../../../../libs/read-model/src/read-store-generations.js';
import type { Projection } from '../../../../libs/read-model/src/projection.js';
import { allProjections } from '../../../../libs/read-model/src/projections.js';
import { CommandError, flagOption, type ParsedArgs, stringOption, UsageError } from '../args.js';
import { type InterruptMessages, interruptible } from '../interrupt.js';
import { cliConfig, liveReadStorePath, rawEventStore, withStore } from './audit-stores.js';

/** The MongoDB driver is imported only when configured (about 24 MB and 0.2 s at every start). */
async function switchOverFor(config: StoreConfig, projections: readonly Projection[]): Promise<SwitchOver> {
  if (config.mongodbUrl) {
    const { MongoSwitchOver } = await import('../../../../libs/application/src/audit/mongo-switch-over.js');
    return MongoSwitchOver.open(config.mongodbUrl);
  }
  // Room for this rebuild first: one killed before (out of memory, say) left its generation.
  for (const file of removeAbandonedGenerations(config.dataDir)) {
    process.stderr.write(`Removed ${basename(file)} and the files beside it, left by a projections rebuild that did not finish\n`);
  }
  return new SqliteSwitchOver(
    liveReadStorePath(config),
    config.dataDir,
    allProjections.filter((p) => !projections.includes(p)),
    config.eventStoreUrl ? undefined : embeddedEventStoreFile(config.dataDir),
  );
}

const DIFFERENCE_LABELS = { missing: 'missing from live', unexpected: 'only in live', different: 'different' } as const;

/**
 * `projections rebuild [--projection NAME] [--verify]`: rebuilds read models from the whole
 * history into fresh storage; switches the live ones over, or with --verify only lists every
 * difference (exit code 1 when there is one) and changes nothing.
 */
export async function projectionsRebuildCommand(args: ParsedArgs): Promise<void> {
  const name = stringOption(args, 'projection');
  const projections = name === undefined ? allProjections : allProjections.filter((p) => p.name === name);
  if (projections.length === 0) {
    throw new UsageError(`unknown projection "${name}" (known: ${allProjections.map((p) => p.name).join(', ')})`);
  }
  const verify = flagOption(args, 'verify');
  const config = cliConfig();
  // Compared with nothing, every document would be "missing from live", and the file created.
  if (verify && !config.mongodbUrl && !existsSync(liveReadStorePath(config))) {
    throw new CommandError(`No read store at ${liveReadStorePath(config)} to verify against (the API creates it at its first start)`);
  }
  await interruptible(stopMessages(verify, Boolean(config.mongodbUrl)), async (signal) => {
    // Everything from here runs with the signals handled, and is closed or discarded before they
    // are handed back: a first Ctrl-C never leaves a new generation behind.
    const live = await createReadStore({ mongodbUrl: config.mongodbUrl, dataDir: config.dataDir });
    try {
      // Every live collection in this version's layout, as the API's start would make it (an older
      // store is migrated): the switch-over copies the projections not rebuilt from it as they are.
      await live.ensureCollections(allProjections.flatMap((p) => p.collections));
      const target = await switchOverFor(config, projections);
      try {
        process.stderr.write(`${verify ? 'Verifying' : 'Rebuilding'} ${projections.map((p) => p.name).join(', ')} from the log (Ctrl-C stops it and removes what it built)\n`);
        const report = await withStore(auditedEventStore(await rawEventStore(config)), (eventStore) =>
          rebuildProjections({ eventStore, live, target, projections, verify, signal }),
        );
        printReport(report);
      } finally {
        await target.discard();
      }
    } finally {
      await live.close();
    }
  });
}

/** What the CLI says when a signal stops it, for the mode and the store. */
function stopMessages(verify: boolean, mongo: boolean): InterruptMessages {
  const sqliteLeft = 'its rebuild is left in the data folder (read.gen-<n>.sqlite and the files beside it)';
  if (verify) {
    return {
      stopping: 'the verification stops at its next check and removes its rebuild',
      stopped: 'the verification stopped and its rebuild was removed; nothing else changed',
      left: mongo ? 'its `_rebuild` database is left (the next rebuild drops it)' : `${sqliteLeft}: delete them`,
    };
  }
  return {
    stopping: 'the rebuild stops at its next check and removes what it built (once it has begun replacing the live read models, it finishes instead)',
    stopped: 'the rebuild stopped before switching over and was removed; the live read models are unchanged',
    left: mongo
      ? 'its `_rebuild` database is left, and some projections may already be switched: run the rebuild again'
      : `${sqliteLeft}: delete them, unless read.sqlite now links to that file`,
  };
}

function printReport(report: RebuildReport): void {
  if (report.differences === null) {
    const note = report.switchNote === null ? '' : `; ${report.switchNote}`;
    process.stdout.write(`Rebuilt and switched over: ${report.projections.join(', ')}${note}\n`);
    return;
  }
  for (const d of report.differences) {
    const fields = d.fields ? ` (${d.fields.join(', ')})` : '';
    process.stdout.write(`${DIFFERENCE_LABELS[d.kind]}: ${d.projection} ${d.collection} ${d.id}${fields}\n`);
  }
  process.stdout.write(
    report.differences.length === 0
      ? `Verified: the rebuilt read models equal the live ones (${report.projections.join(', ')})\n`
      : `${report.differences.length} difference(s) between the rebuilt and the live read models\n`,
  );
  if (report.differences.length > 0) process.exitCode = 1;
}
