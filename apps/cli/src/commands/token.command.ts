import { ACTOR_RULE, isValidActor, MAX_TOKEN_LIFETIME_DAYS, parseTokenLifetime, signToken, SCOPES } from '../../../../libs/application/src/auth/tokens.js';
import { loadConfig } from '../../../../libs/application/src/config/app-config.js';
import { ParsedArgs, stringOption, UsageError } from '../args.js';
import { isUuid } from '../../../../libs/domain/src/shared/ids.js';


/** `token --org <uuid> [--sub name] [--scope "…"] [--expires 12h]`: prints a bearer token. */
export async function tokenCommand(args: ParsedArgs): Promise<void> {
  const organization = stringOption(args, 'org');
  if (organization === undefined) throw new UsageError('token needs --org <organization uuid>');
  if (!isUuid(organization)) throw new UsageError(`--org must be an organization uuid (got "${organization}")`);
  const scopes = (stringOption(args, 'scope') ?? SCOPES.join(' ')).split(/\s+/).filter((s) => s !== '');
  // A token without a scope is refused by every endpoint.
  if (scopes.length === 0) throw new UsageError(`--scope needs at least one scope (known: ${SCOPES.join(', ')})`);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown scope(s): ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`);
  const actor = stringOption(args, 'sub') ?? 'cli';
  if (!isValidActor(actor)) throw new UsageError(actor.trim() === '' ? '--sub must not be blank' : `--sub must be ${ACTOR_RULE}`);
  const expires = stringOption(args, 'expires') ?? '12h';
  const lifetime = parseTokenLifetime(expires);
  if (lifetime === null) {
    throw new UsageError(`--expires must be a whole number of s, m, h or d, at most ${MAX_TOKEN_LIFETIME_DAYS}d (got "${expires}")`);
  }
  const config = loadConfig(process.env, { generateSecret: false });
  const token = await signToken(config.jwtSecret, { organization, actor, scopes }, lifetime);
  process.stdout.write(`${token}\n`);
}
