import { SqliteReadStore } from '../sqlite-read-store.js';
import { registrationFilter, RegistrationSearch } from './registration-search.js';
import { RegistrationCollections } from './registrations.projection.js';
import { REGISTRATION_ROW_FIELDS } from './registration-fields.js';

describe('registrationFilter', () => {
  it('always confines to the organization and leaves unset criteria out', () => {
    expect(registrationFilter({ organization: 'o1' })).toEqual({ Organization: 'o1' });
  });

  it('turns text criteria into $contains operands and times into UTC toISOString bounds', () => {
    const filter = registrationFilter({
      organization: 'o1',
      name: '{"$gt":""}',
      email: '.*',
      code: '%',
      since: new Date('2026-03-01T09:00:00-08:00'),
    });
    expect(filter).toEqual({
      Organization: 'o1',
      LearnerName: { $contains: '{"$gt":""}' },
      LearnerEmail: { $contains: '.*' },
      LearnerCode: { $contains: '%' },
      LastChangeTime: { $gte: '2026-03-01T17:00:00.000Z', $lt: undefined },
    });
  });
});

describe('RegistrationSearch', () => {
  let store: SqliteReadStore;
  const row = (id: string, time: string) => ({
    _id: id,
    Organization: 'o1',
    Passcode: 'SECRET',
    RegistrationIdentifier: id,
    LearnerName: 'Ada Lovelace',
    LastChangeTime: time,
  });

  beforeAll(async () => {
    store = new SqliteReadStore(':memory:');
    await store.ensureCollections([RegistrationCollections.registrations]);
    await store.runBatch('test', async (session) => {
      await session.apply(
        [row('b', '2026-01-01T00:00:00.000Z'), row('a', '2026-01-01T00:00:00.000Z'), row('c', '2026-01-02T00:00:00.000Z')].map((doc) => ({
          kind: 'upsert' as const,
          collection: RegistrationCollections.registrations.name,
          doc,
        })),
      );
      return 1n;
    });
  });
  afterAll(() => store.close());

  it('pages newest first, ties by id, with the total of every match, and only the row fields (nulls for missing)', async () => {
    const search = new RegistrationSearch(store);
    const result = await search.search({ organization: 'o1', name: 'LOVE' }, { skip: 1, take: 1 });
    expect(result.total).toBe(3);
    const rows = JSON.parse(result.rowsJson) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.RegistrationIdentifier)).toEqual(['a']);
    expect(Object.keys(rows[0])).toEqual([...REGISTRATION_ROW_FIELDS]);
    expect(rows[0]).toMatchObject({ EventIdentifier: null, LearnerName: 'Ada Lovelace' });
    expect(await search.count({ organization: 'o1', before: new Date('2026-01-02T00:00:00Z') })).toBe(2);
    expect(await search.count({ organization: 'o2' })).toBe(0);
  });
});
