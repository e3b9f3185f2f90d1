/**
 * Registration search parity: identical events go through the real registrations projection into
 * each read store, and every store must answer the same criteria with the same rows and totals.
 * The SQLite answers are also checked against MongoDB's semantics of the translated query
 * documents, evaluated by mingo without a server, and against a plain reference model.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Query } from 'mingo';
import { MongoClient } from 'mongodb';
import { EventSourcedStreams } from '../../libs/application/src/event-sourcing/event-sourced-streams.js';
import { registrationDecider } from '../../libs/domain/src/registration/registration.decider.js';
import { registrationStreamId } from '../../libs/domain/src/registration/registration.state.js';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite-event-store.js';
import type { EventStore } from '../../libs/event-store/src/event-store.js';
import { MongoReadStore } from '../../libs/read-model/src/mongo-read-store.js';
import { toMongoFilter, toMongoSort } from '../../libs/read-model/src/mongo-query.js';
import { normalizeFind } from '../../libs/read-model/src/normalized-query.js';
import { ProjectionRunner } from '../../libs/read-model/src/projection-runner.js';
import type { Doc, ReadStore } from '../../libs/read-model/src/read-store.js';
import {
  REGISTRATION_ORDER,
  type RegistrationCriteria,
  registrationFilter,
  RegistrationSearch,
} from '../../libs/read-model/src/registrations/registration-search.js';
import { RegistrationCollections, registrationsProjection } from '../../libs/read-model/src/registrations/registrations.projection.js';
import { SqliteReadStore } from '../../libs/read-model/src/sqlite-read-store.js';
import { appendAll, type LearnerSeed, RegistrationHistory, type StreamAppend } from '../../scripts/seed/registration-history.js';

const ORGS = ['0a000000-0000-4000-8000-000000000001', '0b000000-0000-4000-8000-000000000002'];
/** Names, emails and codes with regex, LIKE, FTS and JSON syntax in them; some values missing. */
const NAMES = ['Ada Lovelace', 'ALAN turing', 'Grace (G.) Hopper', 'x.*y "quoted"', '100% _under_', '{"$gt":""}', 'Ed', 'Émilie Ørsted', 'ŁUKASZ Żółć', 'İSMET Şahan'];
const EMAILS = ['ada@example.org', 'ALAN@Example.ORG', null, 'a.b+c@x.io', '%@_', 'ed@ed.ed', 'ÉMILIE@örsted.dk'];
const CODES = ['P-1', 'p-10', null, 'C(1)', 'A_B', '.*', 'ÉC-9'];
/** Few distinct instants, so ties on LastChangeTime are common. */
const MINUTES = 12;
const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 8, minute, 0, minute % 3));
/** Needles: pieces of the values above plus texts that must match nothing special. */
const NEEDLES = ['a', 'A', 'ad', 'ada', 'LOVE', 'turing', 'e', '.', '.*', '*', '"', '"quoted"', '%', '_', '_under', '(', 'C(1)', '{"$gt":""}', '$gt', '@', 'example.org', 'p-1', 'nothing', ' ', 'ed',
  // Letters beyond ASCII, in the other case than stored.
  'émilie', 'ØRSTED', 'ö', 'ł', 'Ł', 'żółć', 'éc', 'Éc-9',
  // İ folds to two characters ("i" and a combining dot): found by "i", not by "is".
  'i', 'İS', 'is', 'ŞAH'];

/** The events of a fixed world: two organizations, learners, and registrations that get cancelled or deleted. */
async function buildHistory(eventStore: EventStore): Promise<void> {
  const streams = new EventSourcedStreams(eventStore);
  const appends: StreamAppend[] = [];
  let registration = 0;
  for (const [o, organization] of ORGS.entries()) {
    const history = new RegistrationHistory(streams, organization);
    const form = { id: `f${o}000000-0000-4000-8000-000000000000`, code: `F-${o}`, title: 'Form' };
    const eventId = `e${o}000000-0000-4000-8000-000000000000`;
    appends.push(history.form(form, at(0)));
    appends.push(
      history.examEvent(
        { id: eventId, number: 1, venue: { id: randomUUID(), name: 'Hall', timeZone: 'Europe/Paris' }, start: '2027-01-01T09:00:00+01:00' },
        at(0),
      ),
    );
    for (let l = 0; l < NAMES.length; l++) {
      const learner: LearnerSeed = {
        id: `1${o}${l}00000-0000-4000-8000-000000000000`,
        name: NAMES[l],
        email: EMAILS[l % EMAILS.length],
        code: CODES[(l + o) % CODES.length],
      };
      appends.push(history.learner(learner, at(0)));
      for (let k = 0; k < 3; k++) {
        const id = `00000000-0000-4000-8000-${String(registration++).padStart(12, '0')}`;
        appends.push(history.registration(id, eventId, learner.id, form, at((registration * 7) % MINUTES)));
      }
    }
  }
  await appendAll(eventStore, appends);
  // Every fifth registration cancelled, every seventh deleted, at later times.
  for (let r = 0; r < registration; r++) {
    const id = `00000000-0000-4000-8000-${String(r).padStart(12, '0')}`;
    const organization = ORGS[r < registration / 2 ? 0 : 1];
    const type = r % 7 === 0 ? 'DeleteRegistration' : r % 5 === 0 ? 'CancelRegistration' : null;
    if (type === null) continue;
    const context = { organization, actor: 'tester', correlationId: randomUUID(), now: at(MINUTES + (r % 4)) };
    await streams.update(
      registrationStreamId(id),
      registrationDecider,
      (state) => registrationDecider.decide({ type, registrationId: id, organization, reason: null }, state),
      context,
    );
  }
}

async function project(eventStore: EventStore, readStore: ReadStore): Promise<void> {
  const runner = new ProjectionRunner(eventStore, readStore, [registrationsProjection]);
  await runner.start();
  await runner.stop();
}

const times = fc.option(fc.integer({ min: -1, max: MINUTES + 4 }).map(at), { nil: undefined });
const needle = fc.option(fc.oneof(fc.constantFrom(...NEEDLES), fc.string({ maxLength: 3 })), { nil: undefined });
const criteriaArb: fc.Arbitrary<RegistrationCriteria> = fc.record({
  organization: fc.constantFrom(...ORGS, randomUUID()),
  name: needle,
  email: needle,
  code: needle,
  since: times,
  before: times,
});
const pageArb = fc.record({ skip: fc.integer({ min: 0, max: 30 }), take: fc.integer({ min: 1, max: 25 }) });

/** What MongoDB would answer for the translated query documents (mingo, no server). */
function mingoSearch(docs: Doc[], criteria: RegistrationCriteria, page: { skip: number; take: number }) {
  const query = new Query(toMongoFilter(registrationFilter(criteria)));
  const sort = toMongoSort(normalizeFind({ sort: REGISTRATION_ORDER }));
  const matching = query.find<Doc>(docs).all();
  const rows = query.find<Doc>(docs).sort(sort).skip(page.skip).limit(page.take).all();
  return { ids: rows.map((d) => d._id), total: matching.length };
}

/** The spec's rules written out plainly (lower-casing folds the case of these values and needles). */
function referenceSearch(docs: Doc[], criteria: RegistrationCriteria, page: { skip: number; take: number }) {
  const contains = (value: unknown, text: string | undefined) =>
    text === undefined || (typeof value === 'string' && value.toLowerCase().includes(text.toLowerCase()));
  const matching = docs
    .filter(
      (d) =>
        d.Organization === criteria.organization &&
        contains(d.LearnerName, criteria.name) &&
        contains(d.LearnerEmail, criteria.email) &&
        contains(d.LearnerCode, criteria.code) &&
        (criteria.since === undefined || new Date(d.LastChangeTime as string) >= criteria.since) &&
        (criteria.before === undefined || new Date(d.LastChangeTime as string) < criteria.before),
    )
    .sort((a, b) => (a.LastChangeTime === b.LastChangeTime ? (a._id < b._id ? -1 : 1) : a.LastChangeTime! < b.LastChangeTime! ? 1 : -1));
  return { ids: matching.slice(page.skip, page.skip + page.take).map((d) => d._id), total: matching.length };
}

async function answer(store: ReadStore, criteria: RegistrationCriteria, page: { skip: number; take: number }) {
  const search = new RegistrationSearch(store);
  const result = await search.search(criteria, page);
  const rows = JSON.parse(result.rowsJson) as Array<Record<string, unknown>>;
  return { ids: rows.map((row) => row.RegistrationIdentifier as string), total: result.total, rows, count: await search.count(criteria) };
}

describe('registration search parity', () => {
  let eventStore: SqliteEventStore;
  let sqlite: SqliteReadStore;
  let docs: Doc[];

  beforeAll(async () => {
    eventStore = new SqliteEventStore(':memory:');
    await buildHistory(eventStore);
    sqlite = new SqliteReadStore(':memory:');
    await project(eventStore, sqlite);
    docs = await sqlite.find(RegistrationCollections.registrations.name, {});
  });
  afterAll(async () => {
    await sqlite.close();
    await eventStore.close();
  });

  it('projects a world with cancelled rows, without deleted ones, and with ties in LastChangeTime', () => {
    expect(docs.length).toBeGreaterThan(30);
    expect(docs.some((d) => d.RegistrationStatus === 'Cancelled')).toBe(true);
    expect(docs.some((d) => d._id === '00000000-0000-4000-8000-000000000007')).toBe(false);
    expect(new Set(docs.map((d) => d.LastChangeTime)).size).toBeLessThan(docs.length);
  });

  it('SQLite answers as the MongoDB query documents do (mingo) and as the plain rules say', async () => {
    await fc.assert(
      fc.asyncProperty(criteriaArb, pageArb, async (criteria, page) => {
        const sqliteAnswer = await answer(sqlite, criteria, page);
        const expected = referenceSearch(docs, criteria, page);
        expect({ ids: sqliteAnswer.ids, total: sqliteAnswer.total }).toEqual(expected);
        expect(sqliteAnswer.count).toBe(expected.total);
        expect(mingoSearch(docs, criteria, page)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('answers every listed needle on every text field alike, in SQLite, for MongoDB (mingo) and by the plain rules', async () => {
    const page = { skip: 0, take: 25 };
    for (const text of NEEDLES) {
      for (const field of ['name', 'email', 'code'] as const) {
        const criteria: RegistrationCriteria = { organization: ORGS[0], [field]: text };
        const expected = { criteria, ...referenceSearch(docs, criteria, page) };
        expect({ criteria, ...mingoSearch(docs, criteria, page) }).toEqual(expected);
        const sqliteAnswer = await answer(sqlite, criteria, page);
        expect({ criteria, ids: sqliteAnswer.ids, total: sqliteAnswer.total }).toEqual(expected);
      }
    }
  });

  it('finds something for most needles (the property is not vacuous)', async () => {
    const hits = await Promise.all(NEEDLES.map((name) => new RegistrationSearch(sqlite).count({ organization: ORGS[0], name })));
    expect(hits.filter((n) => n > 0).length).toBeGreaterThan(NEEDLES.length / 2);
  });

  const url = process.env.MONGODB_URL;
  (url ? describe : describe.skip)('against MongoDB (MONGODB_URL)', () => {
    const dbName = `registration_search_parity_${randomUUID().replaceAll('-', '')}`;
    let mongo: MongoReadStore;

    beforeAll(async () => {
      mongo = await MongoReadStore.connect(url!, { dbName });
      await project(eventStore, mongo);
    });
    afterAll(async () => {
      await mongo.close();
      const client = new MongoClient(url!);
      try {
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    });

    it('gives the same rows, in the same order, and the same totals as SQLite', async () => {
      await fc.assert(
        fc.asyncProperty(criteriaArb, pageArb, async (criteria, page) => {
          expect(await answer(mongo, criteria, page)).toEqual(await answer(sqlite, criteria, page));
        }),
        { numRuns: 150 },
      );
    });
  });
});
