/**
 * Kills a writer process (SIGKILL) at random moments while it appends, several times over the same
 * file, then checks that the store kept every acknowledged append intact and no half batch.
 * The writer runs the compiled adapter: `npm test` builds first; alone, run `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NewEvent, StoredEvent } from '../../libs/event-store/src/event-store.js';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite-event-store.js';

const ROUNDS = 4;
const MIN_ACKS_PER_ROUND = 30;

const root = fileURLToPath(new URL('../../', import.meta.url));
const writerScript = join(root, 'test/support/sqlite-event-store-crash-writer.mjs');
const compiledAdapter = join(root, 'dist/libs/event-store/src/sqlite-event-store.js');
const adapterSource = join(root, 'libs/event-store/src/sqlite-event-store.ts');

/** One line printed by the writer after `append` resolved. */
interface Ack {
  streamId: string;
  revision: string;
  position: string;
  events: NewEvent[];
}

interface BatchData {
  batch: string;
  index: number;
  size: number;
}

describe('SqliteEventStore when the writing process is killed', () => {
  let dir: string;

  beforeAll(() => {
    if (!existsSync(compiledAdapter) || statSync(compiledAdapter).mtimeMs < statSync(adapterSource).mtimeMs) {
      throw new Error(`${compiledAdapter} is missing or older than its source: run \`npm run build\` first`);
    }
    dir = mkdtempSync(join(tmpdir(), 'sqlite-crash-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged append, whole batches only, contiguous revisions and increasing positions', async () => {
    const file = join(dir, 'events.sqlite');
    const acks: Ack[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const { acknowledged, signal } = await runWriterUntilKilled(file, `w${round}`);
      expect(signal).toBe('SIGKILL');
      expect(acknowledged.length).toBeGreaterThanOrEqual(MIN_ACKS_PER_ROUND);
      acks.push(...acknowledged);
    }

    const store = new SqliteEventStore(file);
    try {
      const streams = new Map<string, StoredEvent[]>();
      for (const streamId of new Set(acks.map((ack) => ack.streamId))) {
        streams.set(streamId, await store.readStream(streamId));
      }

      for (const ack of acks) {
        const events = streams.get(ack.streamId)!;
        const last = Number(ack.revision);
        const stored = events.slice(last - ack.events.length + 1, last + 1);
        expect(stored.map(({ type, data, metadata }) => ({ type, data, metadata }))).toEqual(ack.events);
        expect(stored.at(-1)!.position).toBe(BigInt(ack.position));
      }

      for (const events of streams.values()) {
        expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
        expectWholeBatches(events);
      }

      const log = await readWholeLog(store);
      expect(log).toHaveLength([...streams.values()].reduce((sum, events) => sum + events.length, 0));
      for (let i = 1; i < log.length; i += 1) expect(log[i].position > log[i - 1].position).toBe(true);
    } finally {
      await store.close();
    }
  });

  async function runWriterUntilKilled(file: string, writerId: string) {
    const child = spawn(process.execPath, [writerScript, file, writerId], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killAfter = MIN_ACKS_PER_ROUND + randomInt(MIN_ACKS_PER_ROUND);
    const acknowledged: Ack[] = [];
    let pending = '';
    let stderr = '';
    let killScheduled = false;
    const safety = setTimeout(() => child.kill('SIGKILL'), 10_000);

    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!; // a line cut short by the kill is not an acknowledgement
      for (const line of lines) acknowledged.push(JSON.parse(line) as Ack);
      if (!killScheduled && acknowledged.length >= killAfter) {
        killScheduled = true;
        setTimeout(() => child.kill('SIGKILL'), randomInt(20)); // the writer keeps appending meanwhile
      }
    });

    const [, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    clearTimeout(safety);
    if (!killScheduled) throw new Error(`writer ${writerId} stopped early (${signal}): ${stderr}`);
    return { acknowledged, signal };
  }
});

/** Each batch's events sit together in index order, and every batch is complete. */
function expectWholeBatches(events: StoredEvent[]): void {
  let i = 0;
  while (i < events.length) {
    const { batch, size } = events[i].data as unknown as BatchData;
    const members = events.slice(i, i + size).map((e) => e.data as unknown as BatchData);
    expect(members.map((d) => [d.batch, d.index])).toEqual(Array.from({ length: size }, (_, index) => [batch, index]));
    i += size;
  }
}

async function readWholeLog(store: SqliteEventStore): Promise<StoredEvent[]> {
  const log: StoredEvent[] = [];
  for (;;) {
    const batch = await store.readAll({ after: log.at(-1)?.position, limit: 500 });
    if (batch.length === 0) return log;
    log.push(...batch);
  }
}
