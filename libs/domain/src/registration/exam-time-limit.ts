import type { Accommodation } from './registration.events.js';

/**
 * Minutes a learner has for the exam: the form's time limit plus every accommodation's time
 * extension. Null when the form sets no limit (extensions of an unlimited exam change nothing).
 */
export function examTimeLimit(
  formTimeLimit: number | null,
  accommodations: readonly Pick<Accommodation, 'TimeExtension'>[],
): number | null {
  if (formTimeLimit === null) return null;
  return accommodations.reduce((total, { TimeExtension }) => total + (TimeExtension ?? 0), formTimeLimit);
}
