import { ConfigError } from '../../../libs/application/src/config/app-config.js';
import { CommandError, parseArgs, UsageError } from './args.js';
import { Interrupted } from './interrupt.js';
import { auditVerifyCommand } from './commands/audit.command.js';
import { eventsExportCommand } from './commands/events.command.js';
import { projectionsRebuildCommand } from './commands/projections.command.js';
import { tokenCommand } from './commands/token.command.js';
import { EventStoreUnavailableError, UnreadableEventError } from '../../../libs/event-store/src/event-store.js';
import { threadError } from '../../../libs/sqlite-support/src/thread-errors.js';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  token --org <uuid> [--sub <name>] [--scope "<scopes>"] [--expires 12h]
      Print a bearer token signed with the API's secret (BOOKING_JWT_SECRET, else the data folder's
      jwt-secret, made by the API's first start); refused when there is neither.
      Scopes default to all: booking:read booking:write catalog:write audit:read. The actor (--sub)
      defaults to cli; --expires takes seconds, minutes, hours or days (90s, 15m, 12h, 30d), at
      most 366d (default 12h).
  events export [--from <position>] [--org <uuid>] [--event <uuid>]
      Write the stored history as NDJSON to stdout (from a position, of one organization;
      --event: only what is about one exam event, the registrations joining or leaving it included).
  audit verify [--seal <position:digest>]
      Recompute every stream's hash chain and compare it with the store's record of the
      stream; exit code 1 names the first broken link.
      Prints the log's seal; --seal checks the log up to a kept seal's position against it
      (shows events removed from the end of a stream, which the chains cannot).
  projections rebuild [--projection <name>] [--verify]
      Rebuild read models from the whole history into fresh storage and switch over;
      --verify instead lists every difference from the live models (exit code 1 if any).
      Ctrl-C (or SIGTERM) stops it and removes what it built, unless it is publishing already;
      a second Ctrl-C stops at once and leaves what it was writing.

The stores are the API's, from the same environment: BOOKING_DATA_DIR (default ./data) for the
embedded ones, EVENTSTORE_URL and MONGODB_URL for the servers.
`;

interface Command {
  run: (args: ReturnType<typeof parseArgs>) => Promise<void>;
  /** The options it reads: any other is refused, so that a mistyped one changes nothing. */
  options: readonly string[];
}

const COMMANDS: Record<string, Command> = {
  token: { run: tokenCommand, options: ['org', 'sub', 'scope', 'expires'] },
  'events export': { run: eventsExportCommand, options: ['from', 'org', 'event'] },
  'audit verify': { run: auditVerifyCommand, options: ['seal'] },
  'projections rebuild': { run: projectionsRebuildCommand, options: ['projection', 'verify'] },
};

const HELP = new Set(['help', '-h']);

async function main(argv: string[]): Promise<void> {
  if (argv.length === 0 || HELP.has(argv[0]) || argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  const args = parseArgs(argv);
  const name = [2, 1].map((words) => args.positionals.slice(0, words).join(' ')).find((words) => words in COMMANDS);
  if (name === undefined) throw new UsageError(unknownCommand(args.positionals));
  const command = COMMANDS[name];
  // `projections rebuild registrations` read as a rebuild of every projection; `events export 10` as all events.
  const extra = args.positionals[name.split(' ').length];
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}" for ${name} (options start with --)`);
  const unknown = [...args.options.keys()].find((option) => !command.options.includes(option));
  if (unknown !== undefined) throw new UsageError(`Unknown option --${unknown} for ${name}`);
  await command.run(args);
}

/** Names the sub-commands a known first word takes (`audit` alone: `audit verify`), or the unknown words. */
function unknownCommand(positionals: readonly string[]): string {
  const [group, sub] = positionals;
  const subs = Object.keys(COMMANDS).filter((known) => known.startsWith(`${group} `));
  if (subs.length === 0) return `Unknown command "${positionals.slice(0, 2).join(' ')}"`;
  const takes = subs.map((known) => `"${known}"`).join(', ');
  return sub === undefined ? `"${group}" needs a sub-command: ${takes}` : `Unknown command "${group} ${sub}" (did you mean ${takes}?)`;
}

// A reader that stops early (`events export | head`) closes the pipe: the output is not wanted any more.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof Interrupted) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.exitCode;
  } else if (error instanceof ConfigError || error instanceof EventStoreUnavailableError || error instanceof UnreadableEventError || error instanceof CommandError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : threadError(error).message}\n`);
    process.exitCode = 1;
  }
});
