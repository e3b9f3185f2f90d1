import { describe, expect, it } from '@jest/globals';
import { venueDecider } from './catalog.deciders.js';
import { examDurationMinutes, isBilingualTitle, selectAssessmentForm } from './catalog.rules.js';
import type { AssessmentFormDefinition, VenueDefinition } from './catalog.events.js';

const org = '11111111-1111-4111-8111-111111111111';

describe('catalog definitions', () => {
  const venue: VenueDefinition = { Organization: org, VenueId: 'v1', Name: 'Hall', TimeZone: 'UTC', Address: null };

  it('given nothing, when a venue is defined, then VenueDefined is recorded', () => {
    expect(venueDecider.decide({ definition: venue }, null)).toEqual([{ type: 'VenueDefined', data: venue }]);
  });

  it('given a venue, when it is defined again identically (keys in another order), then nothing is recorded', () => {
    const reordered = { Address: null, TimeZone: 'UTC', Name: 'Hall', VenueId: 'v1', Organization: org };
    expect(venueDecider.decide({ definition: reordered }, venue)).toEqual([]);
  });

  it('given a venue, when it is defined with another name, then the replacement is recorded', () => {
    const renamed = { ...venue, Name: 'Main hall' };
    expect(venueDecider.decide({ definition: renamed }, venue)).toEqual([{ type: 'VenueDefined', data: renamed }]);
  });
});

describe('exam duration of a billing code', () => {
  it.each([
    [{ Code: 'EXAM (3h)', Duration: 45 }, 45],
    [{ Code: 'EXAM (3h)', Duration: null }, 180],
    [{ Code: 'EXAM (2HR)', Duration: null }, 120],
    [{ Code: 'EXAM (2Hr)', Duration: null }, 120],
    [{ Code: 'EXAM (12h)', Duration: null }, 0],
    [{ Code: 'EXAM (2h) extra', Duration: null }, 0],
    [{ Code: 'EXAM', Duration: null }, 0],
    [{ Code: 'EXAM (0h)', Duration: 0 }, 0],
    // An explicit Duration of 0 is set: it wins over the (Nh) suffix.
    [{ Code: 'EXAM (2h)', Duration: 0 }, 0],
  ])('%j lasts %i minutes', (code, minutes) => {
    expect(examDurationMinutes(code)).toBe(minutes);
  });
});

describe('assessment form lookup by code', () => {
  const form = (over: Partial<AssessmentFormDefinition>): AssessmentFormDefinition => ({
    Organization: org,
    FormId: 'f',
    Code: 'MATH',
    Name: null,
    Title: 'Math',
    Status: 'Published',
    Asset: 1,
    TimeLimit: null,
    ...over,
  });

  it('picks the Published, non-Bilingual form with the highest Asset, matching the code in any case', () => {
    const forms = [
      form({ FormId: 'a', Asset: 1 }),
      form({ FormId: 'b', Asset: 5, Status: 'Draft' }),
      form({ FormId: 'c', Asset: 4, Title: 'Math (Bilingual) ' }),
      form({ FormId: 'd', Asset: 3, Title: 'Math BILINGUAL' }),
      form({ FormId: 'e', Asset: 2 }),
      form({ FormId: 'z', Asset: 9, Code: 'OTHER' }),
    ];
    expect(selectAssessmentForm(forms, 'math')?.FormId).toBe('e');
  });

  it('breaks equal Assets by the lower form id', () => {
    const forms = [form({ FormId: 'b', Asset: 2 }), form({ FormId: 'a', Asset: 2 })];
    expect(selectAssessmentForm(forms, 'MATH')?.FormId).toBe('a');
  });

  it('ranks a form without Asset below every form with one', () => {
    const forms = [form({ FormId: 'a', Asset: null }), form({ FormId: 'b', Asset: 0 }), form({ FormId: 'c', Asset: null })];
    expect(selectAssessmentForm(forms, 'MATH')?.FormId).toBe('b');
    expect(selectAssessmentForm([form({ FormId: 'b', Asset: null }), form({ FormId: 'a', Asset: null })], 'MATH')?.FormId).toBe('a');
  });

  it('never picks a form without a Status: only Published forms qualify', () => {
    const forms = [form({ FormId: 'a', Asset: 9, Status: null }), form({ FormId: 'b', Asset: 1 })];
    expect(selectAssessmentForm(forms, 'MATH')?.FormId).toBe('b');
    expect(selectAssessmentForm([form({ Status: null })], 'MATH')).toBeNull();
  });

  it('finds nothing when no form qualifies', () => {
    expect(selectAssessmentForm([form({ Status: 'Archived' })], 'MATH')).toBeNull();
  });

  it('treats titles ending in Bilingual, ignoring case and spaces, as Bilingual', () => {
    expect(isBilingualTitle('  French bilingual  ')).toBe(true);
    expect(isBilingualTitle('French (BILINGUAL)')).toBe(true);
    expect(isBilingualTitle('Bilingual French')).toBe(false);
    expect(isBilingualTitle(null)).toBe(false);
  });
});
