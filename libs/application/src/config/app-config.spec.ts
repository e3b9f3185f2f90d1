import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'booking-config-'));
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
  ])('stops on %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig({ BOOKING_DATA_DIR: tempDir(), BOOKING_JWT_SECRET: secret, ...env })).toThrow(message);
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
});
