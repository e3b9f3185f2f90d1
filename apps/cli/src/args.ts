/** Minimal `--name value` / `--flag` parsing: the CLI has few options and no dependency for it. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      // The last of two would win silently, and the first may be the one meant.
      if (options.has(name)) throw new UsageError(`--${name} is given more than once`);
      const next = argv[i + 1];
      if (inline !== undefined) options.set(name, inline);
      else if (next !== undefined && !next.startsWith('--')) options.set(name, argv[++i]);
      else options.set(name, true);
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, options };
}

export class UsageError extends Error {}

/** A command that cannot run as asked, for a reason its message gives in full: exit code 1, no stack. */
export class CommandError extends Error {}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

/** A flag: given bare (`--verify`), never with a value (`--verify=true` would read as a value and be ignored). */
export function flagOption(args: ParsedArgs, name: string): boolean {
  const value = args.options.get(name);
  if (value !== undefined && value !== true) throw new UsageError(`--${name} takes no value (got "${value}")`);
  return value === true;
}
