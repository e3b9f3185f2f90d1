import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/api/src/app.factory.js';
import { signToken, SCOPES } from '../../libs/application/src/auth/tokens.js';
import { AppConfig, loadConfig } from '../../libs/application/src/config/app-config.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256!';

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Raw body (sent as is), for malformed-JSON and encoding tests. */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** How many of the service's last warnings and errors a test app keeps. */
const KEPT_LOG_LINES = 100;

/** The real API on the embedded stores in a fresh temp folder (or the one given), listening on a free port. */
export class TestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
    readonly config: AppConfig,
    private readonly logLines: string[],
  ) {}

  /** A folder given as `BOOKING_DATA_DIR` is used (and removed on close) instead of a new one. */
  static async start(env: Record<string, string> = {}): Promise<TestApp> {
    const dataDir = env.BOOKING_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'booking-e2e-'));
    const config = loadConfig({ BOOKING_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', ...env, BOOKING_DATA_DIR: dataDir });
    // Not printed: kept for a failing test to show (a projector's error, a 503's cause).
    const logLines: string[] = [];
    const keep = (line: string) => {
      logLines.push(line);
      if (logLines.length > KEPT_LOG_LINES) logLines.shift();
    };
    const app = await createApp(config, { logDestination: { write: keep } });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new TestApp(app, `http://127.0.0.1:${port}`, config, logLines);
  }

  /** The service's last warnings and errors (LOG_LEVEL warn unless the test sets another), oldest first. */
  recentLogs(): readonly string[] {
    return [...this.logLines];
  }

  async close(): Promise<void> {
    await this.app.close();
    rmSync(this.config.dataDir, { recursive: true, force: true });
  }

  /** Stops this app, keeping its folder, and starts another on it (a restart of the service). */
  async restart(): Promise<TestApp> {
    await this.app.close();
    return TestApp.start({ BOOKING_DATA_DIR: this.config.dataDir });
  }

  token(organization: string, scopes: readonly string[] = SCOPES, actor = 'tester'): Promise<string> {
    return signToken(TEST_SECRET, { organization, actor, scopes });
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json') && text !== '') parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }
}

export const newId = () => randomUUID();
