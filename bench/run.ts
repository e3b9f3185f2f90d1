/**
 * The benchmark runner: starts the real API on a seeded data folder, then measures each scenario
 * with autocannon and prints latency percentiles. Seed first (`npm run seed`).
 *
 *   npm run bench -- [--only queries] [--data-dir ./data] [--duration 10] [--connections 4]
 *
 * New endpoints add a file under scenarios/ and one line in SCENARIO_SETS.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { signToken, SCOPES } from '../libs/application/src/auth/tokens.js';
import type { Scenario, SeedInfo } from './scenario.js';
import { registrationQueryScenarios } from './scenarios/registration-queries.js';
import { startServer } from './server.js';

const SCENARIO_SETS: Array<(seed: SeedInfo) => Scenario[]> = [registrationQueryScenarios];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'data-dir': { type: 'string', default: './data' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '4' },
  },
});

interface Measured {
  scenario: Scenario;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

/** Nearest-rank percentile of sorted latencies. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(scenario: Scenario, baseUrl: string, token: string): Promise<Measured> {
  // Every response's latency, so p95 is exact (autocannon's own summary has p90 and p97.5).
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url: `${baseUrl}${scenario.path}`,
        method: scenario.method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: scenario.body === undefined ? undefined : JSON.stringify(scenario.body),
        connections: Number(values.connections),
        duration: Number(values.duration),
      },
      (error, finished) => (error ? reject(error) : resolvePromise(finished)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    scenario,
    requests: latencies.length,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    errors: result.errors + result.non2xx,
  };
}

async function main(): Promise<void> {
  const dataDir = resolve(values['data-dir']!);
  const seed = JSON.parse(readFileSync(join(dataDir, 'seed.json'), 'utf8')) as SeedInfo;
  const scenarios = SCENARIO_SETS.flatMap((set) => set(seed)).filter((s) => !values.only || s.group === values.only);
  if (scenarios.length === 0) throw new Error(`No scenario in group "${values.only}"`);

  console.log(`Starting the API on ${dataDir} (${seed.registrations} registrations)…`);
  const server = await startServer(dataDir);
  try {
    const token = await signToken(server.secret, { organization: seed.organization, actor: 'bench', scopes: SCOPES });
    const rows: Measured[] = [];
    for (const scenario of scenarios) {
      const measured = await measure(scenario, server.baseUrl, token);
      // Queries run synchronously on the server: let the requests still queued drain before the next scenario.
      await fetch(`${server.baseUrl}/health`);
      rows.push(measured);
      console.log(`${scenario.name}: p50 ${measured.p50} ms, p95 ${measured.p95} ms, p99 ${measured.p99} ms (${measured.requests} requests, ${measured.errors} errors)`);
    }
    console.log(`\n${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${values.connections} connections, ${values.duration} s each\n`);
    console.log('| Scenario | p50 ms | p95 ms | p99 ms | requests | errors |\n| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) console.log(`| ${r.scenario.name} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.requests} | ${r.errors} |`);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
