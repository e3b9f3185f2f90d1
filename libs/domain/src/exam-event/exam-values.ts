/** The exact, case-sensitive value sets of exam events (spec §3), and the Individual rule. */

export const EXAM_TYPES = [
  'Class',
  'Individual',
  'Individual (A)',
  'Individual (N)',
  'Sitting',
  'Test',
  'Accessibility and Resource Centre (ARC)',
] as const;
export type ExamType = (typeof EXAM_TYPES)[number];

export const EXAM_FORMATS = ['Online', 'Paper'] as const;
export type ExamFormat = (typeof EXAM_FORMATS)[number];

/** Individual exam events are never shared: each Individual registration gets its own event. */
const INDIVIDUAL_EXAM_TYPES: readonly ExamType[] = ['Individual', 'Individual (A)', 'Individual (N)'];

export function isExamType(value: string): value is ExamType {
  return (EXAM_TYPES as readonly string[]).includes(value);
}

export function isExamFormat(value: string): value is ExamFormat {
  return (EXAM_FORMATS as readonly string[]).includes(value);
}

export function isIndividual(examType: string): boolean {
  return (INDIVIDUAL_EXAM_TYPES as readonly string[]).includes(examType);
}

/**
 * A registration asking for `Individual` books `Individual (A)` when it brings accommodations,
 * else `Individual (N)`; every other type (including an already suffixed one) stays as it is.
 */
export function individualExamType(examType: string, hasAccommodations: boolean): string {
  if (examType !== 'Individual') return examType;
  return hasAccommodations ? 'Individual (A)' : 'Individual (N)';
}
