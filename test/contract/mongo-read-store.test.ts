import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoReadStore } from '../../libs/read-model/src/mongo-read-store.js';
import { CollectionMissingError } from '../../libs/read-model/src/read-store.js';
import { readStoreContract } from './read-store.contract.js';

const url = process.env.MONGODB_URL;
// One database per run, emptied before each test and dropped at the end.
const dbName = `read_store_contract_${randomUUID().replaceAll('-', '')}`;

async function dropDatabase(): Promise<void> {
  const client = new MongoClient(url!);
  try {
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}

const describeIf = url ? describe : describe.skip;

describeIf('MongoDB read store (MONGODB_URL)', () => {
  afterAll(dropDatabase);

  readStoreContract(
    'MongoDB',
    async () => {
      await dropDatabase();
      return MongoReadStore.connect(url!, { dbName });
    },
    { transactionalBatches: false },
  );
});

describeIf('MongoDB read store: the view definitions an API replica reads (MONGODB_URL)', () => {
  afterAll(dropDatabase);

  it('follows a view the projector defines and later redefines, within five seconds, without a restart', async () => {
    await dropDatabase();
    const projector = await MongoReadStore.connect(url!, { dbName });
    const api = await MongoReadStore.connect(url!, { dbName });
    try {
      await expect(api.getView('things', 't1', 'card', {})).rejects.toBeInstanceOf(CollectionMissingError);
      await projector.ensureCollections([{ name: 'things', indexes: [], views: { card: ['A'] } }]);
      await projector.runBatch('writer', async (session) => {
        await session.apply([{ kind: 'upsert', collection: 'things', doc: { _id: 't1', A: 1, B: 2 } }]);
        return 1n;
      });
      expect(await api.getView('things', 't1', 'card', {})).toBe('{"A":1}');
      await projector.ensureCollections([{ name: 'things', indexes: [], views: { card: ['A', 'B'] } }]);
      await new Promise((resolve) => setTimeout(resolve, 5100));
      expect(await api.getView('things', 't1', 'card', {})).toBe('{"A":1,"B":2}');
    } finally {
      await api.close();
      await projector.close();
    }
  }, 20_000);
});
