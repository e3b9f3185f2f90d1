import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_SECRET } from '../support/test-app.js';

const FACTORY = resolve('dist/apps/api/src/app.factory.js');
const CONFIG = resolve('dist/libs/application/src/config/app-config.js');

/**
 * Builds and initializes the built API (npm test builds first) in a fresh process, and lists the
 * npm packages whose CommonJS files it loaded. pdfkit itself is an ES module; its CommonJS
 * dependencies (linebreak, brotli) show whether it was loaded.
 */
function packagesLoadedAtStart(dataDir: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    const { loadConfig } = await import(${JSON.stringify(CONFIG)});
    const { createApp } = await import(${JSON.stringify(FACTORY)});
    const app = await createApp(loadConfig(), { logger: false });
    await app.init();
    const packages = new Set(Object.keys(createRequire(import.meta.url).cache).map((file) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(file)?.[1]));
    await app.close();
    process.stdout.write(JSON.stringify([...packages].filter(Boolean)));
  `;
  // A file, not --eval: the API's worker threads inherit the process's flags.
  const file = join(dataDir, 'start.mjs');
  writeFileSync(file, script);
  const output = execFileSync(process.execPath, [file], {
    // The embedded default, even in a run with the server suites' URLs set.
    env: { ...withoutServers(process.env), BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[];
}

function withoutServers(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { EVENTSTORE_URL: _eventStore, MONGODB_URL: _mongo, ...rest } = env;
  return rest;
}

(existsSync(FACTORY) ? describe : describe.skip)('the embedded API at start', () => {
  it('loads neither the MongoDB driver nor pdfkit (each holds megabytes the embedded default never uses)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'startup-modules-'));
    try {
      const loaded = packagesLoadedAtStart(dataDir);
      // The listing sees the packages the embedded stores do load.
      expect(loaded).toContain('better-sqlite3');
      expect(loaded).not.toContain('mongodb');
      expect(loaded).not.toContain('bson');
      expect(loaded).not.toContain('linebreak');
      expect(loaded).not.toContain('brotli');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
