/**
 * How far a reliability suite goes. `npm test` keeps each one bounded in time; an environment
 * variable asks for more, for a soak before a release or a nightly job (README, "Deeper runs").
 */
export function depth(variable: string, byDefault: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return byDefault;
  // A typo must not quietly run the default depth, nor none at all.
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new Error(`${variable} must be a whole number of at least 1, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** A fast-check seed to replay (`FUZZ_SEED`, as a failure prints it), or undefined for a random one. */
export function fuzzSeed(): number | undefined {
  const text = process.env.FUZZ_SEED;
  if (text === undefined || text === '') return undefined;
  // fast-check's seeds are 32-bit integers, printed as such.
  if (!/^-?[0-9]{1,10}$/.test(text)) throw new Error(`FUZZ_SEED must be a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}
