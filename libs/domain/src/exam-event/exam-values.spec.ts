import { individualExamType, isExamFormat, isExamType, isIndividual } from './exam-values.js';

describe('individualExamType', () => {
  it('suffixes Individual by whether accommodations are given', () => {
    expect(individualExamType('Individual', true)).toBe('Individual (A)');
    expect(individualExamType('Individual', false)).toBe('Individual (N)');
  });

  it.each(['Class', 'Individual (A)', 'Individual (N)', 'Sitting'])('leaves %s as it is', (examType) => {
    expect(individualExamType(examType, true)).toBe(examType);
    expect(individualExamType(examType, false)).toBe(examType);
  });
});

describe('isIndividual', () => {
  it.each(['Individual', 'Individual (A)', 'Individual (N)'])('is true for %s', (examType) => {
    expect(isIndividual(examType)).toBe(true);
  });

  it.each(['Class', 'Sitting', 'Test', 'Accessibility and Resource Centre (ARC)', 'individual'])(
    'is false for %s',
    (examType) => {
      expect(isIndividual(examType)).toBe(false);
    },
  );
});

describe('value sets', () => {
  it('match exactly, case included', () => {
    expect(isExamType('Accessibility and Resource Centre (ARC)')).toBe(true);
    expect(isExamType('Test ')).toBe(false);
    expect(isExamFormat('Online')).toBe(true);
    expect(isExamFormat('paper')).toBe(false);
  });
});
