import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The built module (npm test builds first): a plain Node process, not jest, must be the one to exit.
const BUILT = fileURLToPath(new URL('../../../dist/libs/sqlite-support/src/wal-checkpointer.js', import.meta.url));

describe('WalCheckpointer in a process with nothing else to do', () => {
  it('finishes closing before the process exits, so work after close() still runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-exit-'));
    try {
      const script = `
        import Database from 'better-sqlite3';
        import { WalCheckpointer } from ${JSON.stringify(BUILT)};
        const db = new Database(${JSON.stringify(join(dir, 'store.sqlite'))});
        db.pragma('journal_mode = WAL');
        const checkpointer = new WalCheckpointer(db);
        db.exec('CREATE TABLE t (x)');
        await checkpointer.close();
        db.close();
        console.log('after close');
      `;
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8' });
      expect(output).toContain('after close');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
