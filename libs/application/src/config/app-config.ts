import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Everything the processes read from the environment, validated once at start. */
export interface AppConfig {
  port: number;
  dataDir: string;
  jwtSecret: string;
  /** Where the secret came from, so `main` can tell a newcomer how to get a token. */
  jwtSecretSource: 'environment' | 'generated' | 'data-dir';
  eventStoreUrl: string | undefined;
  mongodbUrl: string | undefined;
  /** Whether the API process runs the projector itself (embedded default) or leaves it to the projector app. */
  runProjector: boolean;
  /** Browser origins allowed by CORS; empty means no CORS headers at all. */
  corsOrigins: string[];
  /** Requests per minute per token (or per client IP when anonymous); 0 disables the limit. */
  rateLimitPerMinute: number;
  /** Socket idle and request-receive timeout of the HTTP server. */
  requestTimeoutMs: number;
  /** `/health/ready` fails while a projection is more than this many events behind the log. */
  readyMaxLagEvents: number;
  /**
   * `/health/ready` fails while a projection's oldest unapplied event is older than this many
   * seconds: however few events behind, a projector that long stalled answers reads 503.
   */
  readyMaxLagSeconds: number;
  logLevel: LogLevel;
  /** Durability of the embedded event store's commits (see SqliteDurability). */
  sqliteDurability: SqliteDurability;
  /** Worker threads answering searches and counts on the embedded read store; 0: the event loop does. */
  queryThreads: number;
}

/** `process`: a commit survives a killed process (WAL, synchronous=NORMAL); `power-loss`: it also
 * survives an OS crash or power cut (synchronous=FULL, one fsync per append). */
const SQLITE_DURABILITIES = ['process', 'power-loss'] as const;
export type SqliteDurability = (typeof SQLITE_DURABILITIES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A bad setting stops the process; the message names the variable. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_LENGTH = 32;
const SECRET_FILE = 'jwt-secret';

/** Where the stores are: all that the CLI's store commands read, so they need no token secret. */
export type StoreConfig = Pick<AppConfig, 'dataDir' | 'eventStoreUrl' | 'mongodbUrl' | 'sqliteDurability'>;

export function loadStoreConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  return {
    dataDir: resolve(nonBlank(env.BOOKING_DATA_DIR) ?? './data'),
    eventStoreUrl: parseUrl('EVENTSTORE_URL', env.EVENTSTORE_URL, ['esdb:', 'esdb+discover:']),
    mongodbUrl: parseUrl('MONGODB_URL', env.MONGODB_URL, ['mongodb:', 'mongodb+srv:']),
    sqliteDurability: parseDurability(env.BOOKING_SQLITE_DURABILITY),
  };
}

/**
 * `generateSecret: false` (the CLI's `token`): no secret configured and none in the data folder is
 * an error, not a new secret: a token signed with one that no API uses would only ever get 401s.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, { generateSecret = true } = {}): AppConfig {
  const port = parsePort(env.PORT);
  const stores = loadStoreConfig(env);
  const embedded = stores.eventStoreUrl === undefined;
  const settings = {
    // With EventStoreDB, replicas share one log and the projector app is the single active projector.
    runProjector: parseBoolean('BOOKING_RUN_PROJECTOR', env.BOOKING_RUN_PROJECTOR, embedded),
    corsOrigins: parseOrigins(env.CORS_ORIGINS),
    rateLimitPerMinute: parseInteger('RATE_LIMIT_PER_MINUTE', env.RATE_LIMIT_PER_MINUTE, 100_000, 0),
    // Node's timers take at most 2³¹ − 1 ms (about 24.8 days); beyond, it warns and fires at once.
    requestTimeoutMs: parseInteger('REQUEST_TIMEOUT_MS', env.REQUEST_TIMEOUT_MS, 30_000, 1, 2_147_483_647),
    readyMaxLagEvents: parseInteger('READY_MAX_LAG_EVENTS', env.READY_MAX_LAG_EVENTS, 1_000, 0),
    // As long as a read waits for the read models before its 503.
    readyMaxLagSeconds: parseInteger('READY_MAX_LAG_SECONDS', env.READY_MAX_LAG_SECONDS, 5, 1),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    queryThreads: parseInteger('BOOKING_QUERY_THREADS', env.BOOKING_QUERY_THREADS, 0, 0, MAX_QUERY_THREADS),
  };
  // Last: a configuration refused for any other value must not leave a generated secret behind.
  const { secret, source } = resolveSecret(env.BOOKING_JWT_SECRET, stores.dataDir, embedded, generateSecret);
  return { port, ...stores, jwtSecret: secret, jwtSecretSource: source, ...settings };
}

function parseBoolean(variable: string, raw: string | undefined, fallback: boolean): boolean {
  const value = nonBlank(raw)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(variable, `must be true, false, 1 or 0 (got "${value}")`);
}

function parseInteger(variable: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = nonBlank(raw);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(variable, `must be an integer ${range} (got "${value}")`);
  }
  return Number(value);
}

/**
 * Each query thread holds its own read-only connection and page cache (20–25 MB resident); the
 * machine measured has two cores, where a third thread already only adds memory. Eight leaves
 * room for larger machines without letting a typo start hundreds.
 */
export const MAX_QUERY_THREADS = 8;

/**
 * Both stores embedded and the projector in the API: it then runs in a worker thread that owns the
 * read store's writer, and this thread reads the store read-only (or through query threads).
 */
export function projectsInWorkerThread(config: AppConfig): boolean {
  return config.eventStoreUrl === undefined && config.mongodbUrl === undefined && config.runProjector;
}

/** Why BOOKING_QUERY_THREADS has no effect in this configuration, if it is set and has none. */
export function unusedQueryThreads(config: AppConfig): string | undefined {
  if (config.queryThreads === 0 || projectsInWorkerThread(config)) return undefined;
  if (config.mongodbUrl !== undefined) return 'BOOKING_QUERY_THREADS is not used: MongoDB answers queries concurrently itself';
  return 'BOOKING_QUERY_THREADS is not used: query threads serve only the embedded stores with the projector in the API (no EVENTSTORE_URL, BOOKING_RUN_PROJECTOR=true)';
}

/** Comma-separated exact origins (`https://app.example.org`); `*` is refused: tokens are credentials. */
function parseOrigins(raw: string | undefined): string[] {
  const origins = (nonBlank(raw) ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '');
  for (const origin of origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError('CORS_ORIGINS', `holds "${origin}", which is not an origin like https://app.example.org`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError('CORS_ORIGINS', `holds "${origin}", which is not an origin like https://app.example.org`);
    }
  }
  return origins;
}

function parseDurability(raw: string | undefined): SqliteDurability {
  const value = nonBlank(raw);
  if (value === undefined) return 'process';
  if (!(SQLITE_DURABILITIES as readonly string[]).includes(value)) {
    throw new ConfigError('BOOKING_SQLITE_DURABILITY', `must be one of ${SQLITE_DURABILITIES.join(', ')} (got "${value}")`);
  }
  return value as SqliteDurability;
}

function parseLogLevel(raw: string | undefined): LogLevel {
  const value = nonBlank(raw)?.toLowerCase() ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${value}")`);
  }
  return value as LogLevel;
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
  generate: boolean,
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
  if (!generate) {
    throw new ConfigError('BOOKING_JWT_SECRET', `is not set and ${file} does not exist: start the API once on this folder (it generates the secret there), or set BOOKING_DATA_DIR to the API's folder`);
  }
  prepareDataDir(dataDir);
  const generated = randomBytes(32).toString('base64url');
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  return { secret: generated, source: 'generated' };
}

/** `mkdir -p`, one level at a time: Node's recursive mkdir loops forever under /proc. */
function makeFolder(folder: string): void {
  if (existsSync(folder)) return;
  if (dirname(folder) !== folder) makeFolder(dirname(folder));
  mkdirSync(folder);
}

/**
 * The embedded stores' folder, made if missing and written to once: a folder the process cannot
 * use is a configuration error said at start (SQLite's "unable to open database file" names no
 * folder, and a folder under /proc left the API spinning before it listened).
 */
export function prepareDataDir(dataDir: string): void {
  const probe = join(dataDir, `.write-test-${process.pid}`);
  try {
    makeFolder(dataDir);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError('BOOKING_DATA_DIR', `is ${dataDir}, where this process cannot create and write files (${reason})`);
  }
}
