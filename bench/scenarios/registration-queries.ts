/**
 * Registration search and count (spec §5) at the seeded size: paging through everything, a date
 * window, substrings that match many or few learners, and the counts reporting tools ask for.
 * Names and codes follow scripts/seed/people.ts.
 */
import type { Scenario, SeedInfo } from '../scenario.js';

export function registrationQueryScenarios(seed: SeedInfo): Scenario[] {
  const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const rareCode = `L${String(Math.floor(seed.registrations / 8)).padStart(7, '0')}`;
  const search = (name: string, body: object): Scenario => ({ group: 'queries', name: `search ${name}`, method: 'POST', path: '/api/registrations/search', body });
  const count = (name: string, body: object): Scenario => ({ group: 'queries', name: `count ${name}`, method: 'POST', path: '/api/registrations/count', body });
  return [
    search('first page (Take 100)', {}),
    search('deep page (Skip 10000)', { Skip: 10_000, Take: 100 }),
    search('one day window', { LastChangeTimeSince: twoDaysAgo, LastChangeTimeBefore: dayAgo }),
    search('Name common ("turing")', { Name: 'turing' }),
    search('Code rare (one learner)', { Code: rareCode }),
    search('Email + Name', { Email: 'lovelace', Name: 'ada' }),
    search('Name 2 chars ("ov")', { Name: 'ov' }),
    count('all', {}),
    count('Name common ("turing")', { Name: 'turing' }),
    count('Code rare (one learner)', { Code: rareCode }),
    count('one day window', { LastChangeTimeSince: twoDaysAgo, LastChangeTimeBefore: dayAgo }),
  ];
}
