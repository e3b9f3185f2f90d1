import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoReadStore } from '../../libs/read-model/src/mongo-read-store.js';
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
