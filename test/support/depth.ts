/**
 * How far a reliability suite goes. `npm test` keeps each one bounded in time; an environment
 * variable asks for more, for a soak before a release or a nightly job (README, "Deeper runs").
 * Stricter than the service's own settings (app-config's `parseInteger` trims and takes `007`):
 * a typo must not quietly run the default depth, nor none at all.
 */
export function depth(variable: string, byDefault: number): number {
  return wholeNumberFrom(variable, /^[1-9][0-9]{0,8}$/, 'a whole number of at least 1') ?? byDefault;
}

/** A fast-check seed to replay (`FUZZ_SEED`, as a failure prints it: a 32-bit integer), or undefined for a random one. */
export function fuzzSeed(): number | undefined {
  return wholeNumberFrom('FUZZ_SEED', /^-?[0-9]{1,10}$/, 'a whole number');
}

function wholeNumberFrom(variable: string, pattern: RegExp, rule: string): number | undefined {
  const text = process.env[variable];
  if (text === undefined || text === '') return undefined;
  if (!pattern.test(text)) throw new Error(`${variable} must be ${rule}, not ${JSON.stringify(text)}`);
  return Number(text);
}
