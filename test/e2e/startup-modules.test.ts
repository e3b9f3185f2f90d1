import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite-event-store.js';
import { TEST_SECRET } from '../support/test-app.js';

const FACTORY = resolve('dist/apps/api/src/app.factory.js');
const CONFIG = resolve('dist/libs/application/src/config/app-config.js');
const CLI = resolve('dist/apps/cli/src/main.js');

/** The npm packages among loaded CommonJS files (the drivers and their dependencies are CommonJS). */
const PACKAGES_OF = `(files) => [...new Set(files.map((file) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(file)?.[1]).filter(Boolean))]`;

/**
 * Builds and initializes the built API (npm test builds first) in a fresh process, and lists the
 * npm packages whose CommonJS files it loaded. pdfkit itself is an ES module; its CommonJS
 * dependencies (linebreak, brotli) show whether it was loaded.
 */
function packagesLoadedAtStart(dataDir: string): { packages: string[]; stderr: string } {
  const script = `
    import { createRequire } from 'node:module';
    const { loadConfig } = await import(${JSON.stringify(CONFIG)});
    const { createApp } = await import(${JSON.stringify(FACTORY)});
    const app = await createApp(loadConfig(), { logger: false });
    await app.init();
    const packages = (${PACKAGES_OF})(Object.keys(createRequire(import.meta.url).cache));
    await app.close();
    process.stdout.write(JSON.stringify(packages));
  `;
  // A file, not --eval: the API's worker threads inherit the process's flags.
  const file = join(dataDir, 'start.mjs');
  writeFileSync(file, script);
  const run = spawnSync(process.execPath, [file], {
    // The embedded default, even in a run with the server suites' URLs set.
    env: { ...withoutServers(process.env), BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`The API did not start: ${run.stderr}`);
  return { packages: JSON.parse(run.stdout) as string[], stderr: run.stderr };
}

function withoutServers(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { EVENTSTORE_URL: _eventStore, MONGODB_URL: _mongo, ...rest } = env;
  return rest;
}

/**
 * Runs the built CLI with `argv` on the embedded stores in `dataDir`, and lists the npm packages
 * its main thread had loaded when it exited (a module preloaded with `--import` records them).
 */
function packagesLoadedByCli(dataDir: string, argv: string[]): string[] {
  const listing = join(dataDir, 'packages.json');
  const preload = join(dataDir, 'record-packages.mjs');
  writeFileSync(
    preload,
    `
    import { createRequire } from 'node:module';
    import { writeFileSync } from 'node:fs';
    import { isMainThread } from 'node:worker_threads';
    const require = createRequire(import.meta.url);
    if (isMainThread) process.on('exit', () => writeFileSync(${JSON.stringify(listing)}, JSON.stringify((${PACKAGES_OF})(Object.keys(require.cache)))));
  `,
  );
  execFileSync(process.execPath, ['--import', pathToFileURL(preload).href, CLI, ...argv], {
    env: { ...withoutServers(process.env), BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET },
    encoding: 'utf8',
  });
  return JSON.parse(readFileSync(listing, 'utf8')) as string[];
}

const DRIVERS = ['mongodb', 'bson', '@eventstore/db-client', '@grpc/grpc-js'];

(existsSync(FACTORY) ? describe : describe.skip)('the embedded API at start', () => {
  it('loads neither the server drivers nor pdfkit (each holds megabytes the embedded default never uses), and warns of nothing', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'startup-modules-'));
    try {
      const { packages: loaded, stderr } = packagesLoadedAtStart(dataDir);
      // Node's and Fastify's warnings (deprecations among them) go to stderr.
      expect(stderr).toBe('');
      // The listing sees the packages the embedded stores do load.
      expect(loaded).toContain('better-sqlite3');
      for (const driver of DRIVERS) expect(loaded).not.toContain(driver);
      expect(loaded).not.toContain('linebreak');
      expect(loaded).not.toContain('brotli');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

(existsSync(CLI) ? describe : describe.skip)('the CLI on the embedded stores', () => {
  it.each([
    [['projections', 'rebuild']],
    [['audit', 'verify']],
  ])('%j loads neither server driver (a quarter of a second and about 25 MB each, at every run)', async (argv) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-modules-'));
    try {
      // The store commands refuse a folder without a log.
      await new SqliteEventStore(join(dataDir, 'events.sqlite')).close();
      const loaded = packagesLoadedByCli(dataDir, argv);
      expect(loaded).toContain('better-sqlite3');
      for (const driver of DRIVERS) expect(loaded).not.toContain(driver);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
