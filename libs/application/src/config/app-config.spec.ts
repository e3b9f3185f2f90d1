import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, loadStoreConfig, MAX_QUERY_THREADS, unusedQueryThreads } from './app-config.js';

const created: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'booking-config-'));
  created.push(dir);
  return dir;
};
afterAll(() => created.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const secret = 'x'.repeat(32);

describe('configuration from the environment', () => {
  it('defaults to port 3000 and the embedded stores', () => {
    const config = loadConfig({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret });
    expect(config.port).toBe(3000);
    expect(config.eventStoreUrl).toBeUndefined();
    expect(config.mongodbUrl).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ EVENTSTORE_URL: 'http://localhost:2113' }, /EVENTSTORE_URL/],
    [{ MONGODB_URL: 'not a url' }, /MONGODB_URL/],
    [{ BOOKING_JWT_SECRET: 'short' }, /BOOKING_JWT_SECRET/],
    [{ BOOKING_RUN_PROJECTOR: 'maybe' }, /BOOKING_RUN_PROJECTOR must be true, false, 1 or 0 \(got "maybe"\)/],
    [{ CORS_ORIGINS: '*' }, /CORS_ORIGINS/],
    [{ CORS_ORIGINS: 'https://app.example.org/path' }, /CORS_ORIGINS/],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, /RATE_LIMIT_PER_MINUTE/],
    [{ REQUEST_TIMEOUT_MS: '0' }, /REQUEST_TIMEOUT_MS/],
    // Past Node's longest timer (2³¹ − 1 ms) a timeout fires at once: every connection would be dropped.
    [{ REQUEST_TIMEOUT_MS: '2147483648' }, /REQUEST_TIMEOUT_MS must be an integer from 1 to 2147483647/],
    [{ READY_MAX_LAG_EVENTS: 'lots' }, /READY_MAX_LAG_EVENTS/],
    [{ READY_MAX_LAG_SECONDS: '0' }, /READY_MAX_LAG_SECONDS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ])('stops on %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret, ...env })).toThrow(message);
  });

  it('takes a variable set to an empty or blank value as unset: its default applies (README, "Configuration")', () => {
    const blank = (value: string) => ({
      PORT: value,
      EVENTSTORE_URL: value,
      MONGODB_URL: value,
      BOOKING_RUN_PROJECTOR: value,
      CORS_ORIGINS: value,
      RATE_LIMIT_PER_MINUTE: value,
      REQUEST_TIMEOUT_MS: value,
      READY_MAX_LAG_EVENTS: value,
      READY_MAX_LAG_SECONDS: value,
      LOG_LEVEL: value,
      BOOKING_SQLITE_DURABILITY: value,
      BOOKING_QUERY_THREADS: value,
    });
    for (const value of ['', '   ']) {
      expect(loadConfig({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret, ...blank(value) })).toMatchObject({
        port: 3000,
        eventStoreUrl: undefined,
        mongodbUrl: undefined,
        runProjector: true,
        corsOrigins: [],
        rateLimitPerMinute: 100_000,
        requestTimeoutMs: 30_000,
        readyMaxLagEvents: 1_000,
        readyMaxLagSeconds: 5,
        logLevel: 'info',
        sqliteDurability: 'process',
        queryThreads: 0,
      });
      // A blank secret: the one in the data folder, generated the first time.
      expect(loadConfig({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: value }).jwtSecretSource).toBe('generated');
      expect(loadStoreConfig({ BOOKING_DATA_DIR: value }).dataDir).toBe(resolve('./data'));
    }
  });

  it('runs the projector in the API on the embedded stores, and leaves it to the projector app with EventStoreDB', () => {
    const esdb = 'esdb://localhost:2113?tls=false';
    expect(loadConfig({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret }).runProjector).toBe(true);
    expect(loadConfig({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret, EVENTSTORE_URL: esdb }).runProjector).toBe(false);
    const forced = loadConfig({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret, EVENTSTORE_URL: esdb, BOOKING_RUN_PROJECTOR: 'true' });
    expect(forced.runProjector).toBe(true);
  });

  it('reads the hardening settings: no CORS origins and a high rate limit by default', () => {
    const defaults = loadConfig({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret });
    expect(defaults).toMatchObject({ corsOrigins: [], rateLimitPerMinute: 100_000, requestTimeoutMs: 30_000, logLevel: 'info' });
    const set = loadConfig({
      BOOKING_DATA_DIR: tempDir(),
      BOOKING_JWT_SECRET: secret,
      CORS_ORIGINS: 'https://a.example.org, http://localhost:5173',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    expect(set.corsOrigins).toEqual(['https://a.example.org', 'http://localhost:5173']);
    expect(set.rateLimitPerMinute).toBe(0);
  });

  it('requires a configured secret when EventStoreDB is used', () => {
    expect(() => loadConfig({ BOOKING_DATA_DIR: tempDir(), EVENTSTORE_URL: 'esdb://localhost:2113?tls=false' })).toThrow(
      /BOOKING_JWT_SECRET is required/,
    );
  });

  it('generates a secret into the data folder once and reuses it', () => {
    const dataDir = tempDir();
    const first = loadConfig({ BOOKING_DATA_DIR: dataDir });
    const second = loadConfig({ BOOKING_DATA_DIR: dataDir });
    expect(first.jwtSecretSource).toBe('generated');
    expect(second.jwtSecretSource).toBe('data-dir');
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim()).toBe(first.jwtSecret);
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('generates no secret for a configuration it refuses: a bad value changes nothing in the data folder', () => {
    for (const bad of [{ LOG_LEVEL: 'verbose' }, { CORS_ORIGINS: '*' }, { BOOKING_QUERY_THREADS: '9' }, { READY_MAX_LAG_SECONDS: '0' }, { BOOKING_RUN_PROJECTOR: 'maybe' }]) {
      const dataDir = tempDir();
      expect(() => loadConfig({ BOOKING_DATA_DIR: dataDir, ...bad })).toThrow(/Invalid configuration/);
      expect([bad, existsSync(join(dataDir, 'jwt-secret'))]).toEqual([bad, false]);
    }
  });

  it('reads where the stores are without a secret: the CLI\'s store commands neither need nor generate one', () => {
    const dataDir = tempDir();
    expect(loadStoreConfig({ BOOKING_DATA_DIR: dataDir, EVENTSTORE_URL: 'esdb://localhost:2113?tls=false' })).toEqual({
      dataDir,
      eventStoreUrl: 'esdb://localhost:2113?tls=false',
      mongodbUrl: undefined,
      sqliteDurability: 'process',
    });
    loadStoreConfig({ BOOKING_DATA_DIR: dataDir });
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
  });
});

describe('embedded event store durability', () => {
  const base = () => ({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret });

  it('survives a killed process by default and can be raised to survive power loss', () => {
    expect(loadConfig(base()).sqliteDurability).toBe('process');
    expect(loadConfig({ ...base(), BOOKING_SQLITE_DURABILITY: 'power-loss' }).sqliteDurability).toBe('power-loss');
  });

  it('stops on an unknown value, naming the variable', () => {
    expect(() => loadConfig({ ...base(), BOOKING_SQLITE_DURABILITY: 'always' })).toThrow(/BOOKING_SQLITE_DURABILITY/);
  });
});

describe('query threads', () => {
  const base = () => ({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret });

  it('answers searches and counts on the event loop by default; 2 answers them in two threads', () => {
    expect(loadConfig(base()).queryThreads).toBe(0);
    expect(loadConfig({ ...base(), BOOKING_QUERY_THREADS: '2' }).queryThreads).toBe(2);
    expect(loadConfig({ ...base(), BOOKING_QUERY_THREADS: '4' }).queryThreads).toBe(4);
  });

  it('stops on a value that is no count, naming the variable', () => {
    expect(() => loadConfig({ ...base(), BOOKING_QUERY_THREADS: '-1' })).toThrow(/BOOKING_QUERY_THREADS/);
    expect(() => loadConfig({ ...base(), BOOKING_QUERY_THREADS: 'two' })).toThrow(/BOOKING_QUERY_THREADS/);
  });

  it('stops on more threads than it allows (each holds its own connection and page cache)', () => {
    expect(loadConfig({ ...base(), BOOKING_QUERY_THREADS: String(MAX_QUERY_THREADS) }).queryThreads).toBe(MAX_QUERY_THREADS);
    expect(() => loadConfig({ ...base(), BOOKING_QUERY_THREADS: String(MAX_QUERY_THREADS + 1) })).toThrow(
      `Invalid configuration: BOOKING_QUERY_THREADS must be an integer from 0 to ${MAX_QUERY_THREADS} (got "${MAX_QUERY_THREADS + 1}")`,
    );
  });

  it('says why the threads are not used where they cannot be: another read store, or the projector elsewhere', () => {
    const withThreads = { ...base(), BOOKING_QUERY_THREADS: '2' };
    expect(unusedQueryThreads(loadConfig(withThreads))).toBeUndefined();
    expect(unusedQueryThreads(loadConfig(base()))).toBeUndefined();
    expect(unusedQueryThreads(loadConfig({ ...withThreads, MONGODB_URL: 'mongodb://localhost:27017/booking' }))).toBe(
      'BOOKING_QUERY_THREADS is not used: MongoDB answers queries concurrently itself',
    );
    const projectorElsewhere = 'BOOKING_QUERY_THREADS is not used: query threads serve only the embedded stores with the projector in the API (no EVENTSTORE_URL, BOOKING_RUN_PROJECTOR=true)';
    expect(unusedQueryThreads(loadConfig({ ...withThreads, BOOKING_RUN_PROJECTOR: 'false' }))).toBe(projectorElsewhere);
    expect(unusedQueryThreads(loadConfig({ ...withThreads, EVENTSTORE_URL: 'esdb://localhost:2113?tls=false', BOOKING_RUN_PROJECTOR: 'true' }))).toBe(projectorElsewhere);
  });
});
