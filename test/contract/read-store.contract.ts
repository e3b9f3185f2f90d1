/**
 * The read store contract: every adapter must give these answers. Run by one `*.test.ts` per
 * adapter. `make` returns a new, empty store; the suite closes every store it makes.
 */
import { type Change, CollectionMissingError, type CollectionSpec, type Doc, type Filter, pickFields, type ProjectionSession, type ReadStore } from '../../libs/read-model/src/read-store.js';
import { filterCases, refusedFilters, sampleDocs as sample, sortCases, substringCorpus } from './read-store.cases.js';

export interface ReadStoreCapabilities {
  /** A batch is one transaction: a failing batch leaves no change, and readers never see a batch in progress. */
  transactionalBatches: boolean;
}

/** A view of people: strings, numbers, booleans, nested values, a field no document has. */
const CARD = ['Name', 'Age', 'Admin', 'Address', 'Missing', 'Org'];
const people: CollectionSpec = {
  name: 'people',
  indexes: [['Org', 'Since'], ['Status'], ['Age'], ['Admin'], ['Nick']],
  textFields: ['Name', 'Email'],
  views: { card: CARD },
};
/** The same documents without generated columns or a text index: every condition on raw JSON. */
const plain: CollectionSpec = { name: 'plain', indexes: [] };
const notes: CollectionSpec = { name: 'notes', indexes: [['Org']], textFields: ['Text'] };

const ids = (docs: Doc[]): string[] => docs.map((d) => d._id);

/** findView gives what find gives, narrowed to the view's fields in their order. */
async function expectCardsMatch(store: ReadStore, filter: Filter = {}, options = { sort: [['_id', 1]] as [string, 1][] }): Promise<void> {
  const cards = JSON.parse(await store.findView('people', filter, options, 'card')) as Array<Record<string, unknown>>;
  const docs = await store.find('people', filter, options);
  expect(cards).toEqual(docs.map((doc) => pickFields(doc, CARD)));
  expect(cards.map((card) => Object.keys(card))).toEqual(docs.map(() => CARD));
}

/** Seeds through a batch of its own projection, so checkpoints under test start empty. */
async function write(store: ReadStore, changes: Change[]): Promise<void> {
  await store.runBatch('test-writer', async (session) => {
    await session.apply(changes);
    return 1n;
  });
}

const upserts = (collection: string, docs: Doc[]): Change[] => docs.map((doc) => ({ kind: 'upsert', collection, doc }));

export function readStoreContract(
  name: string,
  make: () => Promise<ReadStore>,
  capabilities: ReadStoreCapabilities,
): void {
  /** A new store holding the sample in `people` (with indexes and text index) and `plain` (without). */
  async function seeded(): Promise<ReadStore> {
    const store = await make();
    await store.ensureCollections([people, plain, notes]);
    await write(store, [...upserts('people', sample), ...upserts('plain', sample)]);
    return store;
  }

  describe(`read store contract: ${name}, queries`, () => {
    // Queries change nothing, so they share one store.
    let store: ReadStore;

    beforeAll(async () => {
      store = await seeded();
    });

    afterAll(async () => {
      await store.close();
    });

    describe.each(['people', 'plain'])('filters on %s', (collection) => {
      it.each(filterCases)('%s', async (_, filter, expected) => {
        expect(ids(await store.find(collection, filter))).toEqual(expected);
        expect(await store.count(collection, filter)).toBe(expected.length);
      });

      it.each(refusedFilters)('refuses %s', async (_, filter) => {
        await expect(store.find(collection, filter as Filter)).rejects.toThrow(TypeError);
        await expect(store.count(collection, filter as Filter)).rejects.toThrow(TypeError);
      });

      it('refuses an id that is not a string', async () => {
        await expect(store.get(collection, { $gt: '' } as unknown as string)).rejects.toThrow(TypeError);
      });
    });

    describe.each(['people', 'plain'])('sorting and paging on %s', (collection) => {
      it.each(sortCases)('%s', async (_, sort, skip, limit, expected) => {
        expect(ids(await store.find(collection, {}, { sort, skip, limit }))).toEqual(expected);
      });

      it('sorts and pages what the filter selects', async () => {
        const found = await store.find(collection, { Org: 'o1' }, { sort: [['Age', -1]], skip: 1, limit: 1 });
        expect(ids(found)).toEqual(['p1']);
      });

      it('refuses a negative skip', async () => {
        await expect(store.find(collection, {}, { skip: -1 })).rejects.toThrow(TypeError);
      });
    });

    describe('views', () => {
      it.each(sortCases)('pages %s', async (_, sort, skip, limit) => {
        await expectCardsMatch(store, {}, { sort, skip, limit } as never);
      });

      it.each(filterCases)('filters %s', async (_, filter) => {
        await expectCardsMatch(store, filter);
      });

      it('gets one document as its view, only when its fields match', async () => {
        const card = await store.getView('people', 'p3', 'card', { Org: 'o2' });
        expect(card).toBe(JSON.stringify(pickFields(sample[2], CARD)));
        expect(await store.getView('people', 'p3', 'card', { Org: 'o1' })).toBeNull();
        expect(await store.getView('people', 'nobody', 'card', { Org: 'o2' })).toBeNull();
      });

      it('refuses a view the collection does not declare', async () => {
        await expect(store.getView('people', 'p3', 'nope', {})).rejects.toThrow();
        await expect(store.findView('people', {}, undefined, 'nope')).rejects.toThrow();
        await expect(store.findView('plain', {}, undefined, 'card')).rejects.toThrow();
      });
    });
  });

  describe(`read store contract: ${name}, changes`, () => {
    let store: ReadStore;

    beforeEach(async () => {
      store = await seeded();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('documents', () => {
      it('returns a stored document whole, and null for an unknown id', async () => {
        expect(await store.get('people', 'p3')).toEqual(sample[2]);
        expect(await store.get('people', 'nobody')).toBeNull();
      });

      it('breaks ties by id, not by the order documents were written, so pages neither repeat nor skip one', async () => {
        // Written in reverse id order: ties left to the storage's order would come out reversed.
        const tied = ['t5', 't4', 't3', 't2', 't1'].map((id): Doc => ({ _id: id, Org: 'o9', Since: '2026-03-01T00:00:00Z', Status: 'Tied' }));
        await write(store, [...upserts('people', tied), ...upserts('plain', tied)]);
        for (const collection of ['people', 'plain']) {
          for (const sort of [[['Since', 1]], [['Since', -1]], [['Status', 1], ['Since', -1]]] as Array<Array<[string, 1 | -1]>>) {
            expect(ids(await store.find(collection, { Org: 'o9' }, { sort }))).toEqual(['t1', 't2', 't3', 't4', 't5']);
            const pages = [0, 2, 4].map((skip) => store.find(collection, { Org: 'o9' }, { sort, skip, limit: 2 }));
            expect((await Promise.all(pages)).flatMap(ids)).toEqual(['t1', 't2', 't3', 't4', 't5']);
          }
        }
      });

      it('upsert replaces the whole document', async () => {
        await write(store, [{ kind: 'upsert', collection: 'people', doc: { _id: 'p1', Org: 'o9', Name: 'Ada' } }]);
        expect(await store.get('people', 'p1')).toEqual({ _id: 'p1', Org: 'o9', Name: 'Ada' });
        expect(ids(await store.find('people', { Org: 'o1' }))).toEqual(['p2', 'p5']);
      });

      it('keeps views in step with upserts, patches, updateMany and deletes', async () => {
        await write(store, [
          { kind: 'upsert', collection: 'people', doc: { _id: 'p6', Org: 'o3', Name: 'Hedy', Age: 30, Address: { City: 'Vienna' } } },
          { kind: 'patch', collection: 'people', id: 'p1', set: { Age: 37, Address: { City: 'London' }, Admin: false } },
          { kind: 'updateMany', collection: 'people', filter: { Org: 'o2' }, set: { Org: 'o4', Name: 'Renamed "2"', Address: [1, 2.5, null] } },
          { kind: 'updateMany', collection: 'people', filter: { Org: 'o1' }, set: { Status: 'Untouched by the view' } },
          { kind: 'delete', collection: 'people', id: 'p2' },
        ]);
        await expectCardsMatch(store);
        await expectCardsMatch(store, { Org: 'o4' });
        await write(store, [{ kind: 'patch', collection: 'people', id: 'p6', set: { Age: 31 } }]);
        await expectCardsMatch(store);
      });

      it('patch sets the given fields and leaves the others', async () => {
        await write(store, [
          { kind: 'patch', collection: 'people', id: 'p1', set: { Status: 'Gone', Nick: 'Countess', Address: { City: 'London' } } },
          { kind: 'patch', collection: 'people', id: 'p1', set: { Email: null, Address: { Street: 'St James' } } },
        ]);
        expect(await store.get('people', 'p1')).toEqual({
          ...sample[0],
          Status: 'Gone',
          Nick: 'Countess',
          Email: null,
          // A set field is replaced, never merged.
          Address: { Street: 'St James' },
        });
        expect(ids(await store.find('people', { Status: 'Gone' }))).toEqual(['p1']);
      });

      it('keeps values exactly as written', async () => {
        const values = { Score: 0.1 + 0.2, Big: 2 ** 53 - 1, Flags: [true, 1.5, null], Nested: { A: [{ B: 'x' }] }, Empty: '' };
        await write(store, [
          { kind: 'upsert', collection: 'people', doc: { _id: 'v1', ...values } },
          { kind: 'upsert', collection: 'people', doc: { _id: 'v2' } },
          { kind: 'patch', collection: 'people', id: 'v2', set: values },
        ]);
        expect(await store.get('people', 'v1')).toEqual({ _id: 'v1', ...values });
        expect(await store.get('people', 'v2')).toEqual({ _id: 'v2', ...values });
      });

      it('patch of a missing document does nothing', async () => {
        await write(store, [{ kind: 'patch', collection: 'people', id: 'ghost', set: { Org: 'o1' } }]);
        expect(await store.get('people', 'ghost')).toBeNull();
        expect(await store.count('people', {})).toBe(5);
      });

      it('patch cannot change an id or set a path', async () => {
        const patch = (set: Record<string, unknown>) =>
          write(store, [{ kind: 'patch', collection: 'people', id: 'p1', set }]);
        await expect(patch({ _id: 'p9' })).rejects.toThrow(TypeError);
        await expect(patch({ 'Address.City': 'x' })).rejects.toThrow(TypeError);
        await expect(patch({ $set: { Org: 'x' } })).rejects.toThrow(TypeError);
        expect(await store.get('people', 'p1')).toEqual(sample[0]);
      });

      it('updateMany sets fields on every matching document and only those', async () => {
        await write(store, [
          { kind: 'updateMany', collection: 'people', filter: { Org: 'o1', Age: { $gte: 30 } }, set: { Status: 'Senior', Since: null } },
        ]);
        expect(ids(await store.find('people', { Status: 'Senior' }))).toEqual(['p1', 'p2']);
        expect(await store.get('people', 'p2')).toEqual({ ...sample[1], Status: 'Senior', Since: null });
        expect(await store.get('people', 'p5')).toEqual(sample[4]);
      });

      it('delete removes a document; deleting a missing one is fine', async () => {
        await write(store, [
          { kind: 'delete', collection: 'people', id: 'p2' },
          { kind: 'delete', collection: 'people', id: 'ghost' },
        ]);
        expect(await store.get('people', 'p2')).toBeNull();
        expect(await store.count('people', {})).toBe(4);
      });

      it('applies the changes of a batch in order, and applying them twice equals once', async () => {
        const changes: Change[] = [
          { kind: 'upsert', collection: 'people', doc: { _id: 'p6', Org: 'o3', Name: 'Hedy Lamarr' } },
          { kind: 'patch', collection: 'people', id: 'p6', set: { Status: 'Active' } },
          { kind: 'delete', collection: 'people', id: 'p6' },
          { kind: 'upsert', collection: 'people', doc: { _id: 'p6', Org: 'o3', Name: 'Hedy Kiesler' } },
          { kind: 'updateMany', collection: 'people', filter: { Org: 'o3' }, set: { Status: 'New' } },
          { kind: 'patch', collection: 'people', id: 'p6', set: { Age: 30 } },
          { kind: 'delete', collection: 'people', id: 'p5' },
          { kind: 'patch', collection: 'people', id: 'p5', set: { Age: 30 } },
        ];
        await write(store, changes);
        await write(store, changes);
        expect(await store.find('people', { Org: 'o3' })).toEqual([{ _id: 'p6', Org: 'o3', Name: 'Hedy Kiesler', Status: 'New', Age: 30 }]);
        expect(await store.get('people', 'p5')).toBeNull();
      });
    });

    describe('text search stays in sync with the documents', () => {
      const search = async (text: string) => ids(await store.find('people', { Name: { $contains: text } })).sort();

      it('after patch, updateMany, upsert and delete', async () => {
        await write(store, [
          { kind: 'patch', collection: 'people', id: 'p1', set: { Name: 'Ada Byron' } },
          { kind: 'updateMany', collection: 'people', filter: { Org: 'o2' }, set: { Name: 'Renamed Person' } },
          { kind: 'patch', collection: 'people', id: 'p2', set: { Name: 'Alan X' } },
          { kind: 'upsert', collection: 'people', doc: { ...sample[1], Name: 'Alan M. Turing' } },
          { kind: 'delete', collection: 'people', id: 'p5' },
        ]);
        expect(await search('lovelace')).toEqual([]);
        expect(await search('BYRON')).toEqual(['p1']);
        expect(await search('hopper')).toEqual([]);
        expect(await search('dijkstra')).toEqual([]);
        expect(await search('renamed')).toEqual(['p3', 'p4']);
        expect(await search('m. t')).toEqual(['p2']);
        expect(await search('liskov')).toEqual([]);
        expect(await search('Person')).toEqual(['p3', 'p4']);
      });

      it('patching other fields leaves the text searchable', async () => {
        await write(store, [
          { kind: 'patch', collection: 'people', id: 'p1', set: { Age: 37 } },
          { kind: 'updateMany', collection: 'people', filter: {}, set: { Status: 'Checked' } },
        ]);
        expect(await search('lovelace')).toEqual(['p1']);
        expect(await search('a')).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
      });

      it('a text field that stops being a string is no longer found', async () => {
        await write(store, [{ kind: 'patch', collection: 'people', id: 'p1', set: { Name: 123456 } }]);
        expect(await search('1234')).toEqual([]);
        expect(await search('lovelace')).toEqual([]);
      });

      it('updateMany can select by text', async () => {
        await write(store, [
          { kind: 'updateMany', collection: 'people', filter: { Email: { $contains: 'EXAMPLE.org' } }, set: { Status: 'Mailed' } },
        ]);
        expect(ids(await store.find('people', { Status: 'Mailed' }))).toEqual(['p1', 'p2']);
      });

      it('gives the same answers with and without a text index, for any needle', async () => {
        const { docs, needles, expected } = substringCorpus();
        await store.ensureCollections([{ name: 'rawnotes', indexes: [] }]);
        await write(store, [...upserts('notes', docs), ...upserts('rawnotes', docs)]);
        for (const needle of needles) {
          for (const collection of ['notes', 'rawnotes']) {
            const found = ids(await store.find(collection, { Text: { $contains: needle } }));
            expect({ collection, needle, found }).toEqual({ collection, needle, found: expected(needle) });
          }
        }
      });
    });

    describe('collections', () => {
      it('ensureCollections is repeatable and indexes text added later, existing documents included', async () => {
        await store.ensureCollections([{ name: 'late', indexes: [] }]);
        await write(store, upserts('late', [{ _id: 'l1', Title: 'Quarterly Report', Kind: 'doc' }]));
        await store.ensureCollections([{ name: 'late', indexes: [['Kind']], textFields: ['Title'] }]);
        await store.ensureCollections([{ name: 'late', indexes: [['Kind']], textFields: ['Title'] }]);
        await write(store, upserts('late', [{ _id: 'l2', Title: 'Annual report', Kind: 'doc' }]));
        expect(ids(await store.find('late', { Title: { $contains: 'REPORT' }, Kind: 'doc' }))).toEqual(['l1', 'l2']);
        expect(await store.count('people', {})).toBe(5);
      });

      it('answers a view of a collection no projector has created yet as CollectionMissingError (the API says 503)', async () => {
        await expect(store.getView('later', 'l1', 'card', {})).rejects.toBeInstanceOf(CollectionMissingError);
        await expect(store.findView('later', {}, undefined, 'card')).rejects.toBeInstanceOf(CollectionMissingError);
      });

      it('missingCollections names the collections not created yet, and only those', async () => {
        expect(await store.missingCollections(['people', 'later', 'notes'])).toEqual(['later']);
        await store.ensureCollections([{ name: 'later', indexes: [] }]);
        expect(await store.missingCollections(['people', 'later'])).toEqual([]);
      });

      it('reset empties the given collections and forgets the checkpoint of that projection only', async () => {
        await store.runBatch('other', async () => 7n);
        await store.runBatch('people-projection', async () => 9n);
        await store.reset('people-projection', ['people']);
        expect(await store.count('people', {})).toBe(0);
        expect(await store.find('people', { Name: { $contains: 'lovelace' } })).toEqual([]);
        expect(await store.count('plain', {})).toBe(5);
        expect(await store.getCheckpoint('people-projection')).toBeNull();
        expect(await store.getCheckpoint('other')).toBe(7n);

        await write(store, upserts('people', [sample[0]]));
        expect(ids(await store.find('people', { Name: { $contains: 'lovelace' } }))).toEqual(['p1']);
      });
    });

    describe('batches and checkpoints', () => {
      it('records the position a batch returns as the checkpoint', async () => {
        expect(await store.getCheckpoint('registrations')).toBeNull();
        await store.runBatch('registrations', async () => 41n);
        expect(await store.getCheckpoint('registrations')).toBe(41n);
        const large = 2n ** 64n + 3n;
        await store.runBatch('registrations', async () => large);
        expect(await store.getCheckpoint('registrations')).toBe(large);
      });

      it('records the checkpoint of every projection a batch names, and of no other', async () => {
        await store.runBatch('other', async () => 3n);
        await store.runBatch(['registrations', 'catalog', 'exam-events'], async () => 12n);
        expect(await store.getCheckpoint('registrations')).toBe(12n);
        expect(await store.getCheckpoint('catalog')).toBe(12n);
        expect(await store.getCheckpoint('exam-events')).toBe(12n);
        expect(await store.getCheckpoint('other')).toBe(3n);
      });

      it('lets the session read its own writes', async () => {
        await store.runBatch('registrations', async (session) => {
          await session.apply([
            { kind: 'upsert', collection: 'people', doc: { _id: 'p6', Org: 'o1', Name: 'Hedy Lamarr' } },
            { kind: 'patch', collection: 'people', id: 'p1', set: { Org: 'o3' } },
          ]);
          expect(await session.get('people', 'p6')).toEqual({ _id: 'p6', Org: 'o1', Name: 'Hedy Lamarr' });
          expect(ids(await session.find('people', { Org: 'o1' }))).toEqual(['p2', 'p5', 'p6']);
          expect(await session.count('people', { Name: { $contains: 'lamarr' } })).toBe(1);
          return 1n;
        });
      });

      it('a failing batch records no checkpoint', async () => {
        await store.runBatch('registrations', async () => 5n);
        const failing = store.runBatch('registrations', async (session) => {
          await session.apply([{ kind: 'upsert', collection: 'people', doc: { _id: 'p6', Org: 'o1' } }]);
          await session.get('people', 'p6');
          throw new Error('projection bug');
        });
        await expect(failing).rejects.toThrow('projection bug');
        expect(await store.getCheckpoint('registrations')).toBe(5n);
      });

      it('a batch that returns no bigint position fails and records nothing', async () => {
        const bad = store.runBatch('registrations', async () => 5 as unknown as bigint);
        await expect(bad).rejects.toThrow(TypeError);
        expect(await store.getCheckpoint('registrations')).toBeNull();
      });

      it('runs batches one after another, never interleaved', async () => {
        const log: string[] = [];
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const first = store.runBatch('a', async () => {
          log.push('a starts');
          await gate;
          log.push('a ends');
          return 1n;
        });
        const second = store.runBatch('b', async () => {
          log.push('b starts');
          return 1n;
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
        release();
        await Promise.all([first, second]);
        expect(log).toEqual(['a starts', 'a ends', 'b starts']);
      });

      it('a session cannot write once its batch has ended', async () => {
        let kept: ProjectionSession | undefined;
        await store.runBatch('registrations', async (session) => {
          kept = session;
          return 1n;
        });
        await expect(kept!.apply([{ kind: 'delete', collection: 'people', id: 'p1' }])).rejects.toThrow();
        expect(await store.get('people', 'p1')).toEqual(sample[0]);
      });

      (capabilities.transactionalBatches ? it : it.skip)('a failing batch leaves no change at all', async () => {
        const failing = store.runBatch('registrations', async (session) => {
          await session.apply([
            { kind: 'upsert', collection: 'people', doc: { _id: 'p6', Org: 'o1', Name: 'Hedy Lamarr' } },
            { kind: 'patch', collection: 'people', id: 'p1', set: { Name: 'Changed' } },
            { kind: 'delete', collection: 'people', id: 'p2' },
          ]);
          throw new Error('projection bug');
        });
        await expect(failing).rejects.toThrow('projection bug');
        expect(await store.get('people', 'p6')).toBeNull();
        expect(await store.get('people', 'p1')).toEqual(sample[0]);
        expect(await store.get('people', 'p2')).toEqual(sample[1]);
        expect(ids(await store.find('people', { Name: { $contains: 'lamarr' } }))).toEqual([]);
        expect(ids(await store.find('people', { Name: { $contains: 'lovelace' } }))).toEqual(['p1']);
      });

      (capabilities.transactionalBatches ? it : it.skip)('queries see a batch only once it has committed', async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let applied!: () => void;
        const appliedSignal = new Promise<void>((resolve) => (applied = resolve));
        const batch = store.runBatch('registrations', async (session) => {
          await session.apply([{ kind: 'patch', collection: 'people', id: 'p1', set: { Name: 'Ada Byron' } }]);
          applied();
          await gate;
          return 3n;
        });
        await appliedSignal;
        expect((await store.get('people', 'p1'))?.Name).toBe('Ada Lovelace');
        expect(await store.count('people', { Name: { $contains: 'byron' } })).toBe(0);
        expect(await store.getCheckpoint('registrations')).toBeNull();
        release();
        await batch;
        expect((await store.get('people', 'p1'))?.Name).toBe('Ada Byron');
        expect(await store.getCheckpoint('registrations')).toBe(3n);
      });
    });
  });
}
