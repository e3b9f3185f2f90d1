/** Runs the real API (the built `main`) on a data folder, as production would, in its own process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built entry point, wherever the caller runs from (bench from dist/, tests from the sources). */
const MAIN = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../apps/api/src/main.js' : '../dist/apps/api/src/main.js', import.meta.url));

/**
 * Node flags the API runs with, here as in `npm start` and the Dockerfile (a test keeps the three
 * equal). The old generation is capped at 160 MB, about three times the main thread's live heap
 * (54 MB after a full collection, measured after a command run at 100,000 registrations): without
 * a cap V8, seeing 23 GB of RAM, let garbage build up before a full collection (resident memory
 * 320–385 MB after a command run at 1M, 262–269 MB with the cap; docs/performance.md, session 6).
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-old-space-size=160'];

export interface BenchServer {
  baseUrl: string;
  secret: string;
  pid: number;
  stop(): Promise<void>;
  /** Kills the process without letting it shut down (crash tests). */
  kill(): Promise<void>;
}

export interface ServerOptions {
  /** Reuse a secret across restarts so earlier tokens stay valid. */
  secret?: string;
  /** 'inherit' shows the API's output; 'ignore' keeps test output clean. */
  output?: 'inherit' | 'ignore';
  /** Extra node flags, e.g. ['--cpu-prof'] for profiling. */
  nodeArgs?: string[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntilReady(baseUrl: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 3000; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`The API exited (${child.exitCode ?? child.signalCode})`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('The API did not become healthy within 5 minutes');
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

export async function startServer(dataDir: string, options: ServerOptions = {}): Promise<BenchServer> {
  const port = await freePort();
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const child = spawn(process.execPath, [...API_NODE_FLAGS, ...(options.nodeArgs ?? []), MAIN], {
    env: { ...process.env, PORT: String(port), BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: secret, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', RATE_LIMIT_PER_MINUTE: '0' },
    stdio: ['ignore', options.output ?? 'inherit', options.output ?? 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(baseUrl, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    baseUrl,
    secret,
    pid: child.pid!,
    stop: () => {
      const done = exited(child);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return done;
    },
    kill: () => {
      const done = exited(child);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return done;
    },
  };
}
