// A query worker that answers every call with the error its collection names, sent back as the
// real worker sends what it catches (threaded-query-store.test.ts).
import Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import { thrownInThread } from '../../dist/libs/read-model/src/query-threads.js';

const errors = {
  typeError: () => new TypeError('refused here'),
  busy: () => new Database.SqliteError('database is locked', 'SQLITE_BUSY'),
  custom: () => Object.assign(new Error('a custom one'), { name: 'LimitError' }),
  thrownString: () => 'not an error',
};
parentPort.on('message', (message) => {
  if (message === 'close') return parentPort.close();
  parentPort.postMessage(message.map((call) => ({ id: call.id, error: thrownInThread(errors[call.args[0]]()) })));
});
