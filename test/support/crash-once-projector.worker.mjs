// The real projector worker (built), which dies at the first append it is told about, once per
// data folder: the thread started again in its place must carry on (projector-thread.test.ts).
import { existsSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const crashed = `${workerData.readStoreFile}.crashed`;
if (!existsSync(crashed)) {
  parentPort.on('message', (message) => {
    if (message !== 'appended') return;
    writeFileSync(crashed, '');
    throw new Error('simulated crash');
  });
}
await import('../../dist/apps/api/src/infrastructure/projector.worker.js');
