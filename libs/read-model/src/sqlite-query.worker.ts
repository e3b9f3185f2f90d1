/**
 * One of the API's query threads (see query-threads.ts): answers searches and counts on its own
 * read-only connection to the embedded read store, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type QueryAnswer, type QueryCall, type QueryThreadData, thrownInThread, type ToQueryThread } from './query-threads.js';
import { SqliteQueryStore } from './sqlite-query-store.js';

const port = parentPort!;
const store = new SqliteQueryStore((workerData as QueryThreadData).readStoreFile);

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
  try {
    return { id, result: await (store[method] as (...args: unknown[]) => Promise<unknown>)(...args) };
  } catch (error) {
    return { id, error: thrownInThread(error) };
  }
}
