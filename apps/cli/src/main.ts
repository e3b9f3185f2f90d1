import { ConfigError } from '../../../libs/application/src/config/app-config.js';
import { parseArgs, UsageError } from './args.js';
import { tokenCommand } from './commands/token.command.js';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  token --org <uuid> [--sub <name>] [--scope "<scopes>"] [--expires 12h]
      Print a bearer token signed with the configured (or generated) secret.
      Scopes default to all: booking:read booking:write catalog:write audit:read.
`;

type Command = (args: ReturnType<typeof parseArgs>) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  token: tokenCommand,
};

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const key = args.positionals.slice(0, 2).join(' ');
  const command = COMMANDS[key] ?? COMMANDS[args.positionals[0] ?? ''];
  if (!command || args.options.has('help')) {
    process.stdout.write(USAGE);
    if (!command) process.exitCode = args.options.has('help') ? 0 : 2;
    return;
  }
  await command(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
});
