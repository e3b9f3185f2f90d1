/** The built API (`dist/`, as `npm start` runs it; npm test builds first) in a process of its own. */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { API_NODE_FLAGS } from '../../bench/server.js';
import { TEST_SECRET } from './test-app.js';

export const MAIN = resolve('dist/apps/api/src/main.js');
export const isBuilt = () => existsSync(MAIN);

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

export interface ServerProcess {
  child: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** What it wrote to stdout (its log) so far. */
  stdout(): string;
}

/** Spawns the server on the data folder and port; `env` adds to or overrides its environment. */
export function spawnServer(dataDir: string, port: number, env: NodeJS.ProcessEnv = {}): ServerProcess {
  const child = spawn(process.execPath, [...API_NODE_FLAGS, MAIN], {
    env: { ...process.env, BOOKING_DATA_DIR: dataDir, BOOKING_JWT_SECRET: TEST_SECRET, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return { child, stderr: () => stderr, stdout: () => stdout };
}

/** Spawns the server and waits until /health answers. */
export async function startServer(dataDir: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const server = spawnServer(dataDir, port, env);
  for (let attempt = 0; attempt < 200; attempt++) {
    if (server.child.exitCode !== null) throw new Error(`server exited with ${server.child.exitCode}: ${server.stderr()}`);
    const up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (up) return server.child;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`server did not start: ${server.stderr()}`);
}

/** The exit code of a server that is to stop by itself (a refused start). */
export function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => (child.exitCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code))));
}

export const exited = (child: ChildProcess) =>
  new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));
