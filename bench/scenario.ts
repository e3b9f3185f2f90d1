/** One benchmarked request shape. `group` is what `--only` selects. */
export interface Scenario {
  group: string;
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
}

/** What a scenario file gets to build its requests: the seeded organization and its size. */
export interface SeedInfo {
  organization: string;
  registrations: number;
}
