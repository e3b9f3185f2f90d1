import type { AssessmentFormDefinition, BillingCodeDefinition } from './catalog.events.js';

/**
 * Exam duration of a billing code: its Duration if set; else N×60 minutes when the code ends in
 * `(Nh)` or `(Nhr)` with one digit N (any case); else 0.
 */
export function examDurationMinutes(billingCode: Pick<BillingCodeDefinition, 'Code' | 'Duration'>): number {
  if (billingCode.Duration !== null) return billingCode.Duration;
  const suffix = /\((\d)(h|hr)\)$/i.exec(billingCode.Code);
  return suffix ? Number(suffix[1]) * 60 : 0;
}

/** `Bilingual` forms are never picked by code: their title ends in `Bilingual` or `(Bilingual)`. */
export function isBilingualTitle(title: string | null): boolean {
  if (title === null) return false;
  const normalized = title.trim().toLowerCase();
  return normalized.endsWith('bilingual') || normalized.endsWith('(bilingual)');
}

/**
 * Assessment-form lookup by code: Published forms with that code (case-insensitive) that are not
 * Bilingual; the highest Asset wins (missing Asset counts lowest), ties go to the lower form id.
 */
export function selectAssessmentForm<Form extends AssessmentFormDefinition>(
  forms: readonly Form[],
  code: string,
): Form | null {
  const wanted = code.trim().toLowerCase();
  const candidates = forms.filter(
    (form) => form.Code.trim().toLowerCase() === wanted && form.Status === 'Published' && !isBilingualTitle(form.Title),
  );
  candidates.sort((a, b) => (b.Asset ?? -Infinity) - (a.Asset ?? -Infinity) || compareIds(a.FormId, b.FormId));
  return candidates[0] ?? null;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
