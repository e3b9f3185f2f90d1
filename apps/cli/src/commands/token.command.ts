import { signToken, SCOPES } from '../../../../libs/application/src/auth/tokens.js';
import { loadConfig } from '../../../../libs/application/src/config/app-config.js';
import { ParsedArgs, stringOption, UsageError } from '../args.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `token --org <uuid> [--sub name] [--scope "…"] [--expires 12h]`: prints a bearer token. */
export async function tokenCommand(args: ParsedArgs): Promise<void> {
  const organization = stringOption(args, 'org');
  if (!organization || !UUID.test(organization)) throw new UsageError('token needs --org <organization uuid>');
  const scopes = (stringOption(args, 'scope') ?? SCOPES.join(' ')).split(/\s+/).filter((s) => s !== '');
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown scope(s): ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`);
  const config = loadConfig();
  const token = await signToken(
    config.jwtSecret,
    { organization, actor: stringOption(args, 'sub') ?? 'cli', scopes },
    stringOption(args, 'expires') ?? '12h',
  );
  process.stdout.write(`${token}\n`);
}
