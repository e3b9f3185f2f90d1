import { verifyHashChains } from '../../../../libs/event-store/src/hash-chain.js';
import type { ParsedArgs } from '../args.js';
import { cliConfig, rawEventStore, withStore } from './audit-stores.js';

/** `audit verify`: recomputes every stream's hash chain; exit code 1 names the first broken link. */
export async function auditVerifyCommand(_args: ParsedArgs): Promise<void> {
  const report = await withStore(rawEventStore(cliConfig()), (store) => verifyHashChains(store));
  if (report.broken === null) {
    process.stdout.write(`OK: ${report.events} events in ${report.streams} streams, every hash chain holds\n`);
    return;
  }
  const { streamId, revision, position, reason } = report.broken;
  process.stdout.write(`BROKEN: stream ${streamId} revision ${revision} position ${position}: ${reason}\n`);
  process.exitCode = 1;
}
