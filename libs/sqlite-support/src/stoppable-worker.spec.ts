import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startStoppableWorker } from './stoppable-worker.js';

// The built module (npm test builds first): a worker thread cannot load TypeScript.
const BUILT = new URL('../../../dist/libs/sqlite-support/src/stoppable-worker.js', import.meta.url).href;
const SQLITE = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;

/**
 * A thread whose every SQLite call fails (a duplicate key; a full disk fails every write alike),
 * yielding every 1,000 failures as a replay yields between reads. It flags `failing` once it is.
 */
const FAILING_THREAD = `
  import { workerData } from 'node:worker_threads';
  import Database from ${JSON.stringify(SQLITE)};
  import { stopRequested } from ${JSON.stringify(BUILT)};
  const stop = stopRequested();
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
  const duplicate = db.prepare('INSERT INTO t VALUES (1)');
  duplicate.run();
  for (let failures = 1; !stop.aborted; failures++) {
    try { duplicate.run(); } catch {}
    if (failures === 1) { Atomics.store(workerData.failing, 0, 1); Atomics.notify(workerData.failing, 0); }
    if (failures % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  db.close();
`;

describe('startStoppableWorker', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stoppable-worker-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** `source` as a module file of its own. */
  const moduleFile = (name: string, source: string): URL => {
    const file = join(dir, name);
    writeFileSync(file, source);
    return pathToFileURL(file);
  };
  const thread = (source: string): URL => moduleFile('thread.mjs', source);

  it('stops a thread whose SQLite calls are failing by asking it: the thread closes its database and exits with code 0, and the process lives on', () => {
    // In a plain Node process: an abort must not take jest down with it. Terminated instead, the
    // thread exited with code 1, and in 2 of 6 runs the process aborted (session 35).
    const script = `
      import { startStoppableWorker } from ${JSON.stringify(BUILT)};
      const failing = new Int32Array(new SharedArrayBuffer(4));
      const worker = startStoppableWorker(new URL(${JSON.stringify(thread(FAILING_THREAD).href)}), { workerData: { failing } }, 'failing thread');
      // A thread that failed to start ends the wait too (done rejects).
      await Promise.race([Atomics.waitAsync(failing, 0, 0).value, worker.done]);
      await worker.stop();
      await worker.done;
      console.log('stopped, exit code 0');
    `;
    const run = spawnSync(process.execPath, [moduleFile('main.mjs', script).pathname], { encoding: 'utf8', timeout: 20_000 });
    expect({ status: run.status, signal: run.signal, stdout: run.stdout.trim(), stderr: run.stderr }).toEqual({
      status: 0,
      signal: null,
      stdout: 'stopped, exit code 0',
      stderr: '',
    });
  });

  it('resolves stop at once for a thread that has exited, and done rejects with what the thread threw', async () => {
    const worker = startStoppableWorker(thread(`throw new RangeError('no job for me');`), {}, 'short thread');
    await expect(worker.done).rejects.toThrow('no job for me');
    await worker.stop();
    await worker.stop();
  });

  it('tells a thread that exits with a code by its name', async () => {
    const worker = startStoppableWorker(thread(`process.exit(3);`), {}, 'Text index build x.sqlite');
    await expect(worker.done).rejects.toThrow('Text index build x.sqlite stopped with exit code 3');
  });
});
