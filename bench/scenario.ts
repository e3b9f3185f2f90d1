/** One benchmarked request shape. `group` is what `--only` selects. */
export interface Scenario {
  group: string;
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  /** For commands that must differ on every request (a new id, a new type): the next request. */
  next?: () => { path: string; body?: unknown };
}

/** What a scenario file gets to build its requests: the seeded organization and its size. */
export interface SeedInfo {
  organization: string;
  registrations: number;
  learners?: number;
  examEvents?: number;
}

/** Ids read from the running API before measuring (the seed does not record them). */
export interface Samples {
  /**
   * A thousand registrations of the seeded organization, in a row of the default order from a
   * random place: each run grants accommodations to others, so no registration's stream grows
   * run after run (taken from the top, the 1M folder's had about 770 events each by session 17).
   */
  registrations: string[];
  /** Venue ids by name (`Hall 1` …). */
  venues: Map<string, string>;
}
