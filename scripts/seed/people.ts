import type { LearnerSeed } from './registration-history.js';

const FIRST = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Ken', 'Dennis', 'Linus', 'Margaret', 'Frances', 'John', 'Katherine', 'Tim', 'Radia', 'Niklaus', 'Anita', 'Leslie', 'Shafi', 'Whitfield'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Thompson', 'Ritchie', 'Torvalds', 'Hamilton', 'Allen', 'McCarthy', 'Johnson', 'Berners-Lee', 'Perlman', 'Wirth', 'Borg', 'Lamport', 'Goldwasser', 'Diffie', 'Hoare', 'Kay', 'Cerf', 'Kahn', 'Backus', 'Naur', 'Codd', 'Gray', 'Stonebraker', 'Hellman'];

/** The i-th learner: names repeat (as in life), codes and emails are unique; deterministic ids. */
export function learnerFor(i: number): LearnerSeed {
  const first = FIRST[i % FIRST.length];
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
  const hex = i.toString(16).padStart(12, '0');
  return {
    id: `5eed0000-0000-4000-8000-${hex}`,
    name: `${first} ${last}`,
    email: `${first}.${last}.${i}@example.org`.toLowerCase(),
    code: `L${String(i).padStart(7, '0')}`,
  };
}
