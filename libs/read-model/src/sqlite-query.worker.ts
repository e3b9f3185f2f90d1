/**
 * One of the API's query threads (see query-threads.ts): answers searches and counts on its own
 * read-only connection to the embedded read store, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  identityOf,
  type QueryAnswer,
  type QueryCall,
  type QueryThreadData,
  READ_STORE_REPLACED,
  thrownInThread,
  type ToQueryThread,
} from './query-threads.js';
import { SqliteQueryStore } from './sqlite-query-store.js';

const port = parentPort!;
const { readStoreFile, fileIdentity } = workerData as QueryThreadData;
const store = new SqliteQueryStore(readStoreFile);
// Checked after opening: if the path was replaced in between, this answers from the right file
// all the same and only costs a detour (query-threads.ts, READ_STORE_REPLACED).
const opened = identityOf(readStoreFile);
let replaced = fileIdentity !== undefined && (opened.dev !== fileIdentity.dev || opened.ino !== fileIdentity.ino);

port.on('message', async (message: ToQueryThread) => {
  if (message === 'close') {
    await store.close();
    port.close();
    return;
  }
  const answers: QueryAnswer[] = [];
  for (const call of message) answers.push(await answer(call));
  port.postMessage(answers);
});

async function answer({ id, method, args }: QueryCall): Promise<QueryAnswer> {
  if (replaced && method !== 'switchTo') {
    return { id, error: { name: READ_STORE_REPLACED, message: `${readStoreFile} no longer names the read store this process reads` } };
  }
  try {
    // A switch opens the generation by its own, stable name.
    if (method === 'switchTo') replaced = false;
    return { id, result: await (store[method] as (...args: unknown[]) => Promise<unknown>)(...args) };
  } catch (error) {
    return { id, error: thrownInThread(error) };
  }
}
