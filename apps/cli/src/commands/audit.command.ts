import { verifyHashChains } from '../../../../libs/event-store/src/hash-chain.js';
import { formatSeal, type LogSeal, parseSeal } from '../../../../libs/event-store/src/log-seal.js';
import { type ParsedArgs, stringOption, UsageError } from '../args.js';
import { cliConfig, rawEventStore, withStore } from './audit-stores.js';

/**
 * `audit verify [--seal <position:digest>]`: recomputes every stream's hash chain (exit code 1
 * names the first broken link), checks the log against a seal kept from an earlier run, and prints
 * the log's seal now.
 */
export async function auditVerifyCommand(args: ParsedArgs): Promise<void> {
  const kept = sealOption(args);
  const report = await withStore(await rawEventStore(cliConfig()), (store) => verifyHashChains(store, { seal: kept }));
  if (report.broken !== null) {
    const { streamId, revision, position, reason } = report.broken;
    process.stdout.write(`BROKEN: stream ${streamId} revision ${revision} position ${position}: ${reason}\n`);
    process.exitCode = 1;
    return;
  }
  if (report.recordDiffers !== null) {
    const { streamId, lastEvent, recorded } = report.recordDiffers;
    const events = lastEvent === null ? 'has no events' : `has events up to revision ${lastEvent}`;
    const record = recorded === null ? 'has no record of it' : `records revision ${recorded}`;
    process.stdout.write(`BROKEN: stream ${streamId} ${events}, but the store ${record} (events were removed or added by hand)\n`);
    process.exitCode = 1;
    return;
  }
  if (report.sealHolds === false) {
    const head = report.seal?.position ?? 0n;
    process.stdout.write(
      head < kept!.position
        ? `BROKEN: the log ends at position ${head}, before the seal's position ${kept!.position}: events the seal was made with were removed\n`
        : `BROKEN: the log up to position ${kept!.position} does not match the seal: an event at or before it was removed, added or changed\n`,
    );
    process.exitCode = 1;
    return;
  }
  const sealed = kept === undefined ? '' : `; the log up to position ${kept.position} matches the seal`;
  process.stdout.write(`OK: ${report.events} events in ${report.streams} streams, every hash chain holds${sealed}\n`);
  if (report.seal !== null) {
    process.stdout.write(`Seal: ${formatSeal(report.seal)} (keep it where the store's writers cannot change it; check with --seal)\n`);
  }
}

function sealOption(args: ParsedArgs): LogSeal | undefined {
  const text = stringOption(args, 'seal');
  if (text === undefined) return undefined;
  const seal = parseSeal(text);
  if (seal === null) throw new UsageError(`--seal must be <position>:<64 hex digits>, as audit verify prints it (got "${text}")`);
  return seal;
}
