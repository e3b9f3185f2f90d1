/**
 * Retrieve and the two commonest commands at the seeded size. register-lax joins existing exam
 * events (the seed's event n is at venue `Hall n%10+1`, 2030-01-01 + n hours), so it measures
 * the find-or-create lookup and the registration's own stream, not event creation.
 */
import { randomUUID } from 'node:crypto';
import { learnerFor } from '../../scripts/seed/people.js';
import type { Samples, Scenario, SeedInfo } from '../scenario.js';

export function registrationCommandScenarios(seed: SeedInfo, samples: Samples): Scenario[] {
  const learners = seed.learners ?? Math.ceil(seed.registrations / 4);
  const events = seed.examEvents ?? Math.ceil(seed.registrations / 40);
  let n = 0;
  const registration = () => samples.registrations[n++ % samples.registrations.length];
  return [
    { group: 'commands', name: 'retrieve by id', method: 'GET', path: `/api/registrations/${samples.registrations[0]}` },
    {
      group: 'commands',
      name: 'register-lax',
      method: 'POST',
      path: '/api/registrations/new/commands/register-lax',
      next: () => {
        const event = Math.floor(Math.random() * events);
        return {
          path: `/api/registrations/${randomUUID()}/commands/register-lax`,
          body: {
            EventVenue: samples.venues.get(`Hall ${(event % 10) + 1}`),
            EventStart: new Date(Date.UTC(2030, 0, 1) + event * 3_600_000).toISOString(),
            Learner: learnerFor(Math.floor(Math.random() * learners)).id,
            Assessment: `FORM-${(event % 20) + 1}`,
          },
        };
      },
    },
    {
      group: 'commands',
      name: 'grant-accommodation',
      method: 'POST',
      path: '/api/registrations/x/commands/grant-accommodation',
      next: () => ({
        path: `/api/registrations/${registration()}/commands/grant-accommodation`,
        body: { Type: `Extra time ${n % 50}`, TimeExtension: n % 60 },
      }),
    },
  ];
}
