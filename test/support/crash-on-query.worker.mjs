// The real query worker (built), which dies when asked about the collection `crash`: the calls
// it holds must fail (threaded-query-store.test.ts). Its listener runs right after the real
// worker's, in the same turn, before that one's answer (posted after an await) can leave.
import '../../dist/libs/read-model/src/sqlite-query.worker.js';
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (message) => {
  if (message !== 'close' && message.some((call) => call.args[0] === 'crash')) process.exit(3);
});
