import { BodyValidationPipe } from '../http/validation.js';
import {
  ChangeAssessmentBody,
  GrantAccommodationBody,
  ReasonBody,
  RegisterLaxBody,
  RevokeAccommodationBody,
  TransferLaxBody,
} from './registrations.dto.js';
import { validBodyFastPath } from './valid-body-fast-path.js';

const UUID = '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4';
const LONG = 'x'.repeat(501);
/** A value of every kind a JSON body can hold, and the edges of the DTOs' rules. */
const VALUES: unknown[] = [
  undefined, null, '', ' ', 'Class', 0, -1, 1.5, 30, '30', true, {}, [], [{}], LONG, 'x'.repeat(500), 'x'.repeat(100), 'x'.repeat(101),
  UUID, UUID.toUpperCase(), `${UUID}x`, '2030-01-01T09:00:00-08:00', '2030-01-01T09:00:00Z', '2030-01-01T09:00:00', '😀'.repeat(300),
  [{ Type: 'Extra time', TimeExtension: 30 }], [{ Type: 'Extra time', Unknown: 1 }], [{ TimeExtension: -1 }], [{ TimeExtension: 2.5 }],
  [null], ['Extra time'], [[{ Type: 'a' }]], Array.from({ length: 101 }, () => ({})), Array.from({ length: 100 }, () => ({ Name: null })),
];

const BODIES = [
  {
    type: RegisterLaxBody,
    valid: { EventVenue: UUID, EventStart: '2030-01-01T09:00:00-08:00', Learner: UUID, Assessment: 'FORM-1', EventExamType: 'Class', EventExamFormat: 'Paper', EventBillingCode: 'FEE', LearnerRegistrantType: 'Apprentice', Accommodations: [{ Type: 'Extra time', Name: 'More', TimeExtension: 30 }] },
  },
  { type: TransferLaxBody, valid: { EventVenue: UUID, EventStart: '2030-01-01T09:00:00Z', Learner: UUID, EventExamType: null, Reason: 'moved', Accommodations: [] } },
  { type: ReasonBody, valid: { Reason: 'Learner withdrew' } },
  { type: ChangeAssessmentBody, valid: { Assessment: 'FORM-2' } },
  { type: GrantAccommodationBody, valid: { Type: 'Extra time', Name: null, TimeExtension: 0 } },
  { type: RevokeAccommodationBody, valid: { Type: 'Extra time' } },
];

/** The valid body, that body with one field (or an unknown one) set to each value, and without each field. */
function variants(valid: Record<string, unknown>): Record<string, unknown>[] {
  const fields = [...Object.keys(valid), 'Unknown'];
  return [
    valid,
    {},
    ...fields.flatMap((field) => VALUES.map((value) => ({ ...valid, [field]: value }))),
    ...fields.map((field) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== field))),
    JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(valid).slice(1)}`) as Record<string, unknown>,
  ];
}

describe('valid body fast path', () => {
  const pipe = new BodyValidationPipe();

  it.each(BODIES.map(({ type, valid }) => [type.name, type, valid] as const))(
    '%s: answers only valid bodies, with what the validation pipe returns for them',
    async (_name, type, valid) => {
      const fastPath = validBodyFastPath(type);
      let answered = 0;
      let left = 0;
      for (const body of variants(valid)) {
        // As the body parser would give it (and in this realm: the fast path takes plain objects only).
        const json = JSON.stringify(body);
        const fast = fastPath(JSON.parse(json));
        const piped = await pipe.transform(JSON.parse(json), { type: 'body', metatype: type, data: undefined }).catch((error: Error) => error);
        if (fast === null) {
          left++;
          continue;
        }
        answered++;
        expect({ body, piped }).toEqual({ body, piped: expect.any(type) });
        expect(fast).toEqual(piped);
        expect(Object.getPrototypeOf(fast)).toBe(type.prototype);
        for (const [key, value] of Object.entries(fast)) {
          if (Array.isArray(value)) value.forEach((item, i) => expect(Object.getPrototypeOf(item)).toBe(Object.getPrototypeOf((piped as Record<string, unknown[]>)[key][i])));
        }
      }
      // The valid body and most of its variants take the fast path; an unknown property never does.
      expect(answered).toBeGreaterThan(5);
      expect(left).toBeGreaterThan(5);
      expect(fastPath({ ...valid, Unknown: 1 })).toBeNull();
      expect(fastPath(valid)).toBeInstanceOf(type);
    },
  );

  it('leaves to the pipe what is not a plain object', () => {
    const fastPath = validBodyFastPath(ReasonBody);
    for (const body of [undefined, null, '', 'text', 1, [], [{ Reason: 'x' }], new Date(0), Object.create(null) as object]) {
      expect(fastPath(body)).toBeNull();
    }
  });
});
