/**
 * How fast the machine is at the start of a run, printed beside its name. The bench's machine (2
 * vCPU of a shared host) ran a loop of arithmetic as fast on a day when the API needed twice the
 * CPU per request as on another (docs/performance.md, session 28): what varies is the memory, which
 * the host shares, so a run states both, and the name of the CPU alone does not tell such days apart.
 */

/**
 * A random cyclic permutation (Sattolo's algorithm): following `next` from any entry visits every
 * one of the `size` entries before it comes back, so a chase through it never settles in a short
 * cycle that the CPU's caches would hold.
 */
export function singleCycle(size: number, random: () => number = Math.random): Int32Array {
  const next = new Int32Array(size);
  for (let i = 0; i < size; i++) next[i] = i;
  for (let i = size - 1; i > 0; i--) {
    // j < i, never i itself: that is what makes it one cycle.
    const j = Math.floor(random() * i);
    const swapped = next[i];
    next[i] = next[j];
    next[j] = swapped;
  }
  return next;
}

export interface HostSpeed {
  /** Milliseconds for a fixed loop of integer arithmetic (no memory traffic). */
  arithmeticMs: number;
  /** Nanoseconds per load when each load's address is the previous load's value, over `memoryMiB`. */
  memoryLatencyNs: number;
  memoryMiB: number;
}

const ARITHMETIC_ITERATIONS = 100_000_000;

export function measureHostSpeed({ memoryMiB = 64, loads = 4_000_000 } = {}): HostSpeed {
  let x = 0;
  let started = process.hrtime.bigint();
  for (let i = 0; i < ARITHMETIC_ITERATIONS; i++) x = (x + i * 7) % 1_000_003;
  const arithmeticMs = Number(process.hrtime.bigint() - started) / 1e6;

  const next = singleCycle((memoryMiB * 2 ** 20) / Int32Array.BYTES_PER_ELEMENT);
  let at = 0;
  started = process.hrtime.bigint();
  for (let i = 0; i < loads; i++) at = next[at];
  const memoryLatencyNs = Number(process.hrtime.bigint() - started) / loads;
  // The loops' results are used, so neither can be left out by the compiler.
  if (x < 0 || at < 0) throw new Error('unreachable');
  return { arithmeticMs, memoryLatencyNs, memoryMiB };
}

export function describeHostSpeed({ arithmeticMs, memoryLatencyNs, memoryMiB }: HostSpeed): string {
  return `at the start: 10⁸ steps of integer arithmetic in ${Math.round(arithmeticMs)} ms, a dependent load from ${memoryMiB} MiB in ${memoryLatencyNs.toFixed(0)} ns`;
}
