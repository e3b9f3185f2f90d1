// A stand-in for the projector worker that switches to a new generation of the read store at the
// first append it is told about: says `switched` (caught up to 7), reports 9 from the new file,
// and `released` the old one (projector-thread.test.ts).
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const dir = dirname(workerData.readStoreFile);
parentPort.postMessage({ type: 'opened', file: join(dir, 'read.gen-1.sqlite') });
parentPort.postMessage({ type: 'started', position: 5n });
parentPort.on('message', (message) => {
  if (message === 'stop') process.exit(0);
  parentPort.postMessage({ type: 'switched', file: join(dir, 'read.gen-2.sqlite'), position: 7n });
  parentPort.postMessage({ type: 'checkpoint', position: 9n });
  parentPort.postMessage({ type: 'released', file: join(dir, 'read.gen-1.sqlite') });
});
