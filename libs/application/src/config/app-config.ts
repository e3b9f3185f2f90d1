import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Everything the processes read from the environment, validated once at start. */
export interface AppConfig {
  port: number;
  dataDir: string;
  jwtSecret: string;
  /** Where the secret came from, so `main` can tell a newcomer how to get a token. */
  jwtSecretSource: 'environment' | 'generated' | 'data-dir';
  eventStoreUrl: string | undefined;
  mongodbUrl: string | undefined;
}

/** A bad setting stops the process; the message names the variable. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_LENGTH = 32;
const SECRET_FILE = 'jwt-secret';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = parsePort(env.PORT);
  const dataDir = resolve(nonBlank(env.BOOKING_DATA_DIR) ?? './data');
  const eventStoreUrl = parseUrl('EVENTSTORE_URL', env.EVENTSTORE_URL, ['esdb:', 'esdb+discover:']);
  const mongodbUrl = parseUrl('MONGODB_URL', env.MONGODB_URL, ['mongodb:', 'mongodb+srv:']);
  const embedded = eventStoreUrl === undefined;
  const { secret, source } = resolveSecret(env.BOOKING_JWT_SECRET, dataDir, embedded);
  return { port, dataDir, jwtSecret: secret, jwtSecretSource: source, eventStoreUrl, mongodbUrl };
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parsePort(raw: string | undefined): number {
  const value = nonBlank(raw);
  if (value === undefined) return 3000;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new ConfigError('PORT', `must be an integer from 1 to 65535 (got "${value}")`);
  }
  return Number(value);
}

function parseUrl(variable: string, raw: string | undefined, protocols: string[]): string | undefined {
  const value = nonBlank(raw);
  if (value === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new ConfigError(variable, `is not a URL (expected ${protocols.map((p) => `${p}//…`).join(' or ')})`);
  }
  if (!protocols.includes(protocol)) {
    throw new ConfigError(variable, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return value;
}

/**
 * With servers (EventStoreDB) several replicas must share one secret, so it must be configured.
 * On the embedded default a newcomer should not need any setup: a secret is generated once into
 * the data folder and reused by the API and the CLI.
 */
function resolveSecret(
  raw: string | undefined,
  dataDir: string,
  embedded: boolean,
): { secret: string; source: AppConfig['jwtSecretSource'] } {
  const configured = nonBlank(raw);
  if (configured !== undefined) {
    if (configured.length < MIN_SECRET_LENGTH) {
      throw new ConfigError('BOOKING_JWT_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    return { secret: configured, source: 'environment' };
  }
  if (!embedded) throw new ConfigError('BOOKING_JWT_SECRET', 'is required when EVENTSTORE_URL is set');
  const file = join(dataDir, SECRET_FILE);
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length < MIN_SECRET_LENGTH) {
      throw new ConfigError('BOOKING_JWT_SECRET', `file ${file} holds fewer than ${MIN_SECRET_LENGTH} characters`);
    }
    return { secret: stored, source: 'data-dir' };
  }
  mkdirSync(dataDir, { recursive: true });
  const generated = randomBytes(32).toString('base64url');
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  return { secret: generated, source: 'generated' };
}
