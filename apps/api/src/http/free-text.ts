/** Optional text from request bodies; blank is "not specified" (spec §1) everywhere. */

/**
 * Free text as the service stores it: surrounding spaces dropped (catalog text since session 20,
 * accommodations, registrant types and reasons since session 40: decisions.md), blank as null.
 */
export const trimmedOrNull = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? null : trimmed;
};

/** Text that names something looked up exactly (a billing code, a form code, an exam type): blank as null, else as sent. */
export const blankToNull = (value: string | null | undefined): string | null =>
  value === undefined || value === null || value.trim() === '' ? null : value;
