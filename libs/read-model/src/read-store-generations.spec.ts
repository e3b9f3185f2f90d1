import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishGeneration, removeAbandonedGenerations, removeOldGenerations, reserveGeneration } from './read-store-generations.js';
import { SqliteReadStore } from './sqlite-read-store.js';

// The built module (npm test builds first), for a process of its own that can be killed.
const BUILT = new URL('../../../dist/libs/read-model/src/read-store-generations.js', import.meta.url).href;

/** Reserves a generation in another process, which is then killed (SIGKILL) holding it, as the OS's out-of-memory killer would. */
async function reservedByAKilledProcess(dataDir: string): Promise<string> {
  const script = `
    import { reserveGeneration } from ${JSON.stringify(BUILT)};
    console.log(reserveGeneration(${JSON.stringify(dataDir)}).file);
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const file = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(String(chunk).trim()));
    child.once('exit', (code) => reject(new Error(`The reserving process exited with code ${code}`)));
  });
  const killed = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await killed;
  return file;
}

describe('read store generations', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'generations-'));
    // The current generation, 1.
    const current = reserveGeneration(dataDir);
    await new SqliteReadStore(current.file).close();
    publishGeneration(current.file);
    current.release();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const files = () => readdirSync(dataDir).sort();
  const touch = (name: string) => closeSync(openSync(join(dataDir, name), 'w'));

  it('gives two rebuilds at once two generations, and keeps both while they are built', () => {
    const first = reserveGeneration(dataDir);
    const second = reserveGeneration(dataDir);
    try {
      expect([first.file, second.file]).toEqual([join(dataDir, 'read.gen-2.sqlite'), join(dataDir, 'read.gen-3.sqlite')]);
      expect(removeAbandonedGenerations(dataDir)).toEqual([]);
      expect(files()).toEqual([
        'read.gen-1.sqlite',
        'read.gen-2.sqlite',
        'read.gen-2.sqlite.building',
        'read.gen-3.sqlite',
        'read.gen-3.sqlite.building',
        'read.sqlite',
      ]);
    } finally {
      first.release();
      second.release();
    }
  });

  it('removes a generation whose rebuild was killed, with the files beside it, and keeps the current one and one still being built', async () => {
    const abandoned = await reservedByAKilledProcess(dataDir);
    expect(abandoned).toBe(join(dataDir, 'read.gen-2.sqlite'));
    touch('read.gen-2.sqlite.partition-1');
    touch('read.gen-2.sqlite-wal');
    const building = reserveGeneration(dataDir);
    try {
      expect(removeAbandonedGenerations(dataDir)).toEqual([abandoned]);
      expect(files()).toEqual(['read.gen-1.sqlite', 'read.gen-3.sqlite', 'read.gen-3.sqlite.building', 'read.sqlite']);
      // The next rebuild numbers past the one still being built.
      const next = reserveGeneration(dataDir);
      next.release();
      expect(next.file).toBe(join(dataDir, 'read.gen-4.sqlite'));
    } finally {
      building.release();
    }
  });

  it('keeps a newer generation without a lock file (reserved before locks: its builder cannot be told from the living)', () => {
    touch('read.gen-7.sqlite');
    expect(removeAbandonedGenerations(dataDir)).toEqual([]);
    expect(files()).toEqual(['read.gen-1.sqlite', 'read.gen-7.sqlite', 'read.sqlite']);
  });

  it("removes the generations older than the current one at the API's start, never the current one nor its documents", async () => {
    const rebuilt = reserveGeneration(dataDir);
    const store = new SqliteReadStore(rebuilt.file);
    await store.ensureCollections([{ name: 'kept', indexes: [] }]);
    await store.runBatch('p', async (session) => {
      await session.apply([{ kind: 'upsert', collection: 'kept', doc: { _id: 'd1', Name: 'still here' } }]);
      return 7n;
    });
    await store.close();
    publishGeneration(rebuilt.file);
    rebuilt.release();

    expect(removeOldGenerations(dataDir)).toEqual([join(dataDir, 'read.gen-1.sqlite')]);
    expect(files()).toEqual(['read.gen-2.sqlite', 'read.sqlite']);
    const reopened = new SqliteReadStore(join(dataDir, 'read.sqlite'));
    try {
      expect(await reopened.getCheckpoint('p')).toBe(7n);
      expect(await reopened.get('kept', 'd1')).toEqual({ _id: 'd1', Name: 'still here' });
    } finally {
      await reopened.close();
    }
  });

  it('drops the lock file once a generation is published, and never removes the current generation', async () => {
    const rebuilt = reserveGeneration(dataDir);
    await new SqliteReadStore(rebuilt.file).close();
    publishGeneration(rebuilt.file);
    rebuilt.release();
    expect(removeAbandonedGenerations(dataDir)).toEqual([]);
    expect(files()).toEqual(['read.gen-1.sqlite', 'read.gen-2.sqlite', 'read.sqlite']);
  });
});
