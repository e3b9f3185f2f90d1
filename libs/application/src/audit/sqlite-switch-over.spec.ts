import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from '../../../read-model/src/sqlite-read-store.js';
import { SqliteSwitchOver } from './sqlite-switch-over.js';

describe('SqliteSwitchOver', () => {
  let dir: string;
  let livePath: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switch-over-'));
    livePath = join(dir, 'read.sqlite');
    await new SqliteReadStore(livePath).close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const generations = () => readdirSync(dir).filter((name) => name.startsWith('read.gen-'));
  /** A catch-up with nothing to apply, which does not look at the signal: only the switch-over's own check can stop it. */
  const nothingToApply = async () => undefined;

  it('publishes nothing once its signal has aborted, even past its last catch-up, and its discard leaves no file', async () => {
    const switchOver = new SqliteSwitchOver(livePath, dir, []);
    const reason = new Error('stopped by the operator');
    await expect(switchOver.switchOver([], nothingToApply, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(lstatSync(livePath).isSymbolicLink()).toBe(false);
    await switchOver.discard();
    expect(generations()).toEqual([]);
  });

  it('publishes the new generation when its signal has not aborted', async () => {
    const switchOver = new SqliteSwitchOver(livePath, dir, []);
    await switchOver.switchOver([], nothingToApply, new AbortController().signal);
    await switchOver.discard();
    expect(lstatSync(livePath).isSymbolicLink()).toBe(true);
    expect(generations()).toContain('read.gen-1.sqlite');
  });
});
