/**
 * One of the API's query threads (see query-threads.ts): answers searches and counts on its own
 * read-only connection to the embedded read store, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type FromQueryThread, type QueryThreadData, thrownInThread, type ToQueryThread } from './query-threads.js';
import { SqliteQueryStore } from './sqlite-query-store.js';

const port = parentPort!;
const store = new SqliteQueryStore((workerData as QueryThreadData).readStoreFile);
const post = (message: FromQueryThread) => port.postMessage(message);

port.on('message', async (message: ToQueryThread) => {
  if (message === 'close') {
    await store.close();
    port.close();
    return;
  }
  const { id, method, args } = message;
  try {
    post({ id, result: await (store[method] as (...args: unknown[]) => Promise<unknown>)(...args) });
  } catch (error) {
    post({ id, error: thrownInThread(error) });
  }
});
