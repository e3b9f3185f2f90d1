/**
 * The benchmark runner. In one run on one machine: a bare Fastify server (the HTTP ceiling) and
 * the real API (built, own process, embedded stores on a seeded data folder), both driven by
 * autocannon, each measured in req/s and in server CPU time per request (the ceiling just before
 * and just after every scenario); then the event store's append rate against raw SQLite, the
 * projection rebuild rate and the API's resident memory. Prints Markdown tables for
 * docs/performance.md.
 *
 *   npm run bench -- [--quick] [--registrations 1000000] [--data-dir DIR] [--only queries|commands]
 *                    (--only: those HTTP scenarios and memory, without the append and rebuild rates)
 *                    [--duration 10] [--connections 32] [--warm-up 10]
 *                    [--cli-rebuild] (always with --quick: `projections rebuild` end to end, on a copy)
 *
 * A data folder without seed.json is seeded first (scripts/seed.ts), and its stores are read once
 * before the API starts (page-cache.ts). Commands add registrations and accommodations to it. New
 * endpoints add a file under scenarios/ and one line in SCENARIO_SETS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { signToken, SCOPES } from '../libs/application/src/auth/tokens.js';
import { measureAppendRates } from './event-store-append.js';
import { describeHostSpeed, measureHostSpeed } from './host-speed.js';
import { readStoresOnce } from './page-cache.js';
import type { RebuildRate } from './projection-rebuild.js';
import type { Samples, Scenario, SeedInfo } from './scenario.js';
import { registrationCommandScenarios } from './scenarios/registration-commands.js';
import { registrationQueryScenarios } from './scenarios/registration-queries.js';
import { startServer } from './server.js';

/**
 * Queries first: they change nothing, so they see the seeded size. The commands (with their
 * warm-up) add thousands of registrations and changes per scenario.
 */
const SCENARIO_SETS: Array<(seed: SeedInfo, samples: Samples) => Scenario[]> = [registrationQueryScenarios, registrationCommandScenarios];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    registrations: { type: 'string' },
    only: { type: 'string' },
    'data-dir': { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '32' },
    'warm-up': { type: 'string' },
    'cli-rebuild': { type: 'boolean' },
  },
});
const quick = values.quick!;
const registrations = Number(values.registrations ?? (quick ? 10_000 : 1_000_000));
const duration = Number(values.duration ?? (quick ? 3 : 10));
const connections = Number(values.connections);
/**
 * Seconds of load before each measured run, discarded, so that both servers run compiled code on
 * warm caches as a long-running service does. A command needs far longer than a read: in a fresh
 * process register-lax ran 516, 790 and 971 req/s in three consecutive 5 s runs (V8's background
 * threads, mostly compiling, spent about 670 µs per request in the first), and then stayed there.
 */
const warmUpSeconds = Number(values['warm-up'] ?? 10);
/**
 * Also time `projections rebuild` as an operator runs it, switch-over included, on a copy of the
 * data folder. Seconds at 10k; at 1M it copies about 12 GB first, so only when asked.
 */
const cliRebuild = values['cli-rebuild'] ?? quick;
const dist = new URL('.', import.meta.url);

interface Measured {
  name: string;
  requestsPerSecond: number;
  /** CPU time (every thread) the server spent per answered request, in ms. */
  cpuPerRequest: number;
  /** CPU time this process (autocannon, the load generator) spent per answered request, in ms. */
  generatorCpuPerRequest: number;
  p50: number;
  p95: number;
  p99: number;
  /** From the start until every connection had its first answer (in the discarded warm-up). */
  rampMs: number;
  errors: number;
}

/**
 * Requests that autocannon gave up on (timeouts) may still be queued in the API; measuring the next
 * scenario before they drain would charge it their cost. Waits until /health answers promptly.
 */
async function untilIdle(baseUrl: string, deadlineMs = 120_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const started = Date.now();
    const healthy = await fetch(`${baseUrl}/health`).then((r) => r.ok, () => false);
    if (healthy && Date.now() - started < 50) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.warn(`The API was still busy after ${deadlineMs / 1000} s; measuring anyway`);
}

/**
 * CPU time of a process, all threads, in ms (/proc/PID/stat utime + stime, in clock ticks). On a
 * shared machine req/s moves with the neighbours; the CPU a server spends per request does not.
 */
function cpuTimeMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

/** Nearest-rank percentile of sorted latencies. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A time in ms to the µs, as the tables print it. */
function toMicroseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Where a measured window starts: the time, both processes' CPU, and the answers so far. */
interface WindowStart {
  at: number;
  /** The server's CPU time, in ms. */
  cpu: number;
  /** This process's (the load generator's). */
  generator: NodeJS.CpuUsage;
  index: number;
}

function sample(pid: number, index: number): WindowStart {
  return { at: performance.now(), cpu: cpuTimeMs(pid), generator: process.cpuUsage(), index };
}

/**
 * One autocannon run: `warmUp` seconds of load, discarded, then `seconds` measured. The measured
 * window opens at the first answer after the warm-up, once every connection has had an answer.
 * Warm-up and measurement share their connections: when a separate warm-up run closed its 32
 * connections, V8 deoptimised Node's HTTP code and the measured run began by compiling it again
 * (a variance of its own, not a cost a server with steady clients pays). The connections all open
 * at the start, and a saturated server accepts one new connection per turn of its event loop
 * (libuv since 1.45 no longer accepts in a loop), so the last of 32 waits for 31 turns of
 * everyone else's requests: its first request's latency says how long connecting took under
 * load, not how long a request takes. `ramp` reports that wait.
 */
async function measure(
  name: string,
  server: { baseUrl: string; pid: number },
  scenario: Omit<Scenario, 'group' | 'name'>,
  token: string,
  warmUp = warmUpSeconds,
  seconds = duration,
): Promise<Measured> {
  const url = server.baseUrl;
  const start = sample(server.pid, 0);
  // Every response's latency and whether it was a 2xx, for exact percentiles over the window.
  const latencies: number[] = [];
  const succeeded: boolean[] = [];
  const connected = new Set<unknown>();
  let steady: WindowStart | null = null;
  let rampMs: number | null = null;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const body = scenario.body === undefined ? (scenario.method === 'GET' ? undefined : '{}') : JSON.stringify(scenario.body);
  const next = scenario.next;
  const result = await new Promise<autocannon.Result>((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url: `${url}${scenario.path}`,
        method: scenario.method,
        headers,
        body,
        connections,
        duration: warmUp + seconds,
        ...(next
          ? {
              requests: [
                {
                  setupRequest: (request: autocannon.Request) => {
                    const { path, body: nextBody } = next();
                    return { ...request, path, body: JSON.stringify(nextBody ?? {}) };
                  },
                },
              ],
            }
          : {}),
      },
      (error, finished) => (error ? reject(error) : resolvePromise(finished)),
    );
    const warmedUpAt = start.at + warmUp * 1000;
    instance.on('response', (client, status, _bytes, responseTime) => {
      latencies.push(responseTime);
      succeeded.push(status >= 200 && status < 300);
      if (steady !== null) return;
      connected.add(client);
      if (connected.size < connections) return;
      rampMs ??= performance.now() - start.at;
      if (performance.now() >= warmedUpAt) steady = sample(server.pid, latencies.length);
    });
  });
  // Should some connection never have been answered, the whole run (warm-up included) is the window.
  const window: WindowStart = steady ?? start;
  if (steady === null) console.warn(`${name}: not every connection was answered; the figures cover the whole run, warm-up included`);
  const elapsed = (performance.now() - window.at) / 1000;
  const inWindow = latencies.slice(window.index);
  const answered = succeeded.slice(window.index).filter(Boolean).length;
  const cpuPerRequest = (cpuTimeMs(server.pid) - window.cpu) / Math.max(1, inWindow.length);
  const generatorCpu = process.cpuUsage(window.generator);
  const generatorCpuPerRequest = (generatorCpu.user + generatorCpu.system) / 1000 / Math.max(1, inWindow.length);
  inWindow.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    name,
    requestsPerSecond: Math.round(answered / elapsed),
    cpuPerRequest: toMicroseconds(cpuPerRequest),
    generatorCpuPerRequest: toMicroseconds(generatorCpuPerRequest),
    p50: round(percentile(inWindow, 50)),
    p95: round(percentile(inWindow, 95)),
    p99: round(percentile(inWindow, 99)),
    rampMs: rampMs === null ? NaN : Math.round(rampMs),
    // Answers other than 2xx in the window; connection errors (timeouts among them) over the whole run.
    errors: succeeded.length - window.index - answered + result.errors,
  };
}

/** The ceiling server in its own process; resolves with its base URL and a stop function. */
async function startCeiling(): Promise<{ baseUrl: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, [new URL('ceiling.js', dist).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolvePort) => child.stdout.once('data', (chunk: Buffer) => resolvePort(chunk.toString().trim())));
  return { baseUrl: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

/**
 * Runs of the ceiling server between the API's scenarios. Its first run of each method warms it up
 * as long as a scenario; later runs of a process already warm need only a short warm-up on their
 * new connections.
 */
class CeilingRuns {
  private last: { method: 'GET' | 'POST'; measured: Measured } | null = null;
  private readonly warm = new Set<string>();

  constructor(
    private readonly ceiling: { baseUrl: string; pid: number },
    private readonly token: string,
  ) {}

  /** The run just before, when it was of this method; else a new one. */
  async latest(method: 'GET' | 'POST'): Promise<Measured> {
    return this.last?.method === method ? this.last.measured : this.fresh(method);
  }

  async fresh(method: 'GET' | 'POST'): Promise<Measured> {
    const warmUp = this.warm.has(method) ? Math.min(warmUpSeconds, CEILING_REWARM_SECONDS) : warmUpSeconds;
    const body = method === 'POST' ? { Name: 'turing', Take: 100 } : undefined;
    const measured = await measure(`ceiling ${method}`, this.ceiling, { method, path: '/', body }, this.token, warmUp);
    this.warm.add(method);
    this.last = { method, measured };
    return measured;
  }
}
const CEILING_REWARM_SECONDS = 3;

function seedIfNeeded(dataDir: string): SeedInfo {
  const seedFile = join(dataDir, 'seed.json');
  if (!existsSync(seedFile)) {
    console.log(`Seeding ${registrations} registrations into ${dataDir}…`);
    const seeded = spawnSync(process.execPath, [new URL('../scripts/seed.js', dist).pathname, '--registrations', String(registrations), '--data-dir', dataDir], { stdio: 'inherit' });
    if (seeded.status !== 0) throw new Error('Seeding failed');
  }
  return JSON.parse(readFileSync(seedFile, 'utf8')) as SeedInfo;
}

async function samplesFrom(baseUrl: string, token: string, registrations: number): Promise<Samples> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const take = 1000;
  const search = JSON.stringify({ Skip: Math.floor(Math.random() * Math.max(0, registrations - take)), Take: take });
  const found = (await (await fetch(`${baseUrl}/api/registrations/search`, { method: 'POST', headers, body: search })).json()) as Array<{ RegistrationIdentifier: string }>;
  const venues = (await (await fetch(`${baseUrl}/api/venues`, { headers })).json()) as Array<{ VenueIdentifier: string; Name: string }>;
  return {
    registrations: found.map((r) => r.RegistrationIdentifier),
    venues: new Map(venues.map((v) => [v.Name, v.VenueIdentifier])),
  };
}

function residentMemoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

async function main(): Promise<void> {
  // Before anything else runs: the machine alone.
  const hostSpeed = measureHostSpeed();
  const dataDir = resolve(values['data-dir'] ?? (quick ? mkdtempSync(join(tmpdir(), 'bench-quick-')) : `./data/bench-${registrations}`));
  // A quick run seeds a throwaway folder; a full run keeps its (slow to seed) folder for the next run.
  if (quick && !values['data-dir']) process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const seed = seedIfNeeded(dataDir);
  const warmed = readStoresOnce(dataDir);
  console.log(`Read the stores once (${(warmed.bytes / 2 ** 30).toFixed(1)} GiB in ${warmed.seconds.toFixed(1)} s): the page cache holds them, as for an API serving a while`);

  const ceiling = await startCeiling();
  console.log(`Starting the API on ${dataDir} (${seed.registrations} registrations)…`);
  const server = await startServer(dataDir);
  const rows: Array<Measured & { ceiling: number; ceilingCpu: number; ceilingGeneratorCpu: number; ratio: number; cpuRatio: number }> = [];
  let memory: { rss: number; peak: number };
  try {
    const token = await signToken(server.secret, { organization: seed.organization, actor: 'bench', scopes: SCOPES });
    const samples = await samplesFrom(server.baseUrl, token, seed.registrations);
    const scenarios = SCENARIO_SETS.flatMap((set) => set(seed, samples)).filter((s) => !values.only || s.group === values.only);
    if (scenarios.length === 0) throw new Error(`No scenario in group "${values.only}"`);

    // The ceiling is measured around every scenario (before and after, same method), and the
    // scenario's ratio is to the mean of the two: this machine's speed moved by 40 % between two
    // back-to-back runs, and a ratio to a ceiling measured once at the start said as much about that drift.
    const aroundCeiling = new CeilingRuns(ceiling, token);
    for (const scenario of scenarios) {
      const method = scenario.method === 'GET' ? 'GET' : 'POST';
      const before = await aroundCeiling.latest(method);
      await untilIdle(server.baseUrl);
      const measured = await measure(scenario.name, server, scenario, token);
      // The API may still be working off a backlog (timed-out searches): not on the ceiling's time.
      await untilIdle(server.baseUrl);
      const after = await aroundCeiling.fresh(method);
      const reference = {
        requestsPerSecond: (before.requestsPerSecond + after.requestsPerSecond) / 2,
        cpuPerRequest: (before.cpuPerRequest + after.cpuPerRequest) / 2,
        generatorCpuPerRequest: (before.generatorCpuPerRequest + after.generatorCpuPerRequest) / 2,
      };
      const ratio = measured.requestsPerSecond / reference.requestsPerSecond;
      const cpuRatio = reference.cpuPerRequest / measured.cpuPerRequest;
      rows.push({
        ...measured,
        ceiling: Math.round(reference.requestsPerSecond),
        ceilingCpu: toMicroseconds(reference.cpuPerRequest),
        ceilingGeneratorCpu: toMicroseconds(reference.generatorCpuPerRequest),
        ratio,
        cpuRatio,
      });
      console.log(
        `${scenario.name}: ${measured.requestsPerSecond} req/s (${ratio.toFixed(3)} of the ceiling's ${before.requestsPerSecond} / ${after.requestsPerSecond} ${method} req/s before / after; CPU ${measured.cpuPerRequest} ms/request, ${cpuRatio.toFixed(3)}; load generator ${measured.generatorCpuPerRequest} ms/request), p50 ${measured.p50} ms, p99 ${measured.p99} ms, ramp ${measured.rampMs} ms, ${measured.errors} errors`,
      );
    }
    memory = residentMemoryMb(server.pid);
  } finally {
    await server.stop();
    ceiling.stop();
  }

  // A run limited to some scenarios measures only those (a full-log rebuild at 1M takes minutes).
  const storeRates = values.only ? null : await measureStoreRates(dataDir);

  const cpu = cpus()[0]?.model ?? 'CPU';
  console.log(`\n${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} GiB free), Node ${process.version}; ${describeHostSpeed(hostSpeed)}`);
  console.log(`${seed.registrations} seeded registrations, ${connections} connections, ${duration} s per scenario after ${warmUpSeconds} s of warm-up\n`);
  console.log(
    '| Scenario | req/s | ceiling req/s (around it) | ratio to ceiling | server CPU ms/request | ceiling CPU ms/request | CPU ratio (ceiling / API) | load generator CPU ms/request (API / ceiling) | p50 ms | p95 ms | p99 ms | connections up after ms | errors |\n' +
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.requestsPerSecond} | ${r.ceiling} | ${r.ratio.toFixed(3)} | ${r.cpuPerRequest} | ${r.ceilingCpu} | ${r.cpuRatio.toFixed(3)} | ${r.generatorCpuPerRequest} / ${r.ceilingGeneratorCpu} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.rampMs} | ${r.errors} |`);
  }
  console.log('\n| Measure | Value |\n| --- | ---: |');
  if (storeRates) {
    const { appends, rebuild } = storeRates;
    console.log(`| Event store append (${appends.appends} register-lax appends, ${appends.events} events) | ${Math.round(appends.store)} events/s |`);
    console.log(`| Raw better-sqlite3 inserts of the same rows | ${Math.round(appends.raw)} events/s |`);
    console.log(`| Append ratio (store / raw) | ${(appends.store / appends.raw).toFixed(3)} |`);
    console.log(`| Projection rebuild (${rebuild.events} events, all projections: replay and index build in fresh storage) | ${Math.round(rebuild.perSecond)} events/s (${rebuild.seconds.toFixed(1)} s) |`);
    if (storeRates.cli) {
      const { cli } = storeRates;
      console.log(`| \`projections rebuild\` end to end (CLI process: the same replay and index build, then the switch-over: a new generation of the read store published, no lock) | ${Math.round(cli.perSecond)} events/s (${cli.seconds.toFixed(1)} s) |`);
    }
  }
  console.log(`| API resident memory after the run (peak) | ${memory.rss} MB (${memory.peak} MB) |`);
}

async function measureStoreRates(dataDir: string) {
  console.log('Measuring event store appends and the projection rebuild…');
  const appends = await measureAppendRates(quick ? 2_000 : 20_000);
  const rebuild = measureRebuildInItsOwnProcess(join(dataDir, 'events.sqlite'));
  const cli = cliRebuild ? measureCliRebuild(dataDir, rebuild.events) : null;
  return { appends, rebuild, cli };
}

/**
 * `projections rebuild` as an operator runs it, timed from the outside: the CLI's process start,
 * the replay into fresh storage, the index build there, and the switch-over, which since session 15
 * makes that file a live store and points `read.sqlite` at it (sessions 13–14: it copied the rows
 * with their indexes into the live store in one transaction, holding its write lock). On a copy of
 * the data folder as the bench left it, so the bench's own folder is not touched.
 */
function measureCliRebuild(dataDir: string, events: number): RebuildRate {
  const copy = mkdtempSync(join(tmpdir(), 'bench-cli-rebuild-'));
  try {
    // verbatimSymlinks: `read.sqlite` may be a link to a generation beside it, relative (cpSync would resolve it into `dataDir`).
    cpSync(dataDir, copy, { recursive: true, verbatimSymlinks: true });
    const cli = new URL('../apps/cli/src/main.js', dist).pathname;
    const started = performance.now();
    const run = spawnSync(process.execPath, [cli, 'projections', 'rebuild'], { env: { ...process.env, BOOKING_DATA_DIR: copy }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== 0) throw new Error(`projections rebuild stopped with exit code ${run.status}`);
    if (!run.stdout.includes('Rebuilt and switched over')) throw new Error(`projections rebuild did not switch over: ${run.stdout}`);
    return { events, seconds, perSecond: events / seconds };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * As `projections rebuild` runs: in a process of its own. In this one, after minutes of autocannon,
 * the same 10k log took 5.1 s against 3.0–4.1 s in a fresh process (docs/performance.md, session 7).
 */
function measureRebuildInItsOwnProcess(eventsFile: string): RebuildRate {
  const run = spawnSync(process.execPath, [new URL('./rebuild-rate.js', dist).pathname, eventsFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`The rebuild measurement stopped with exit code ${run.status}`);
  return JSON.parse(run.stdout) as RebuildRate;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
