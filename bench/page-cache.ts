/**
 * The stores read once before the scenarios, so the page cache holds them as it does for an API
 * that has been serving a while. Without it a run measured whatever the hour before had left in the
 * cache: at 1,000,000 registrations (session 35), retrieve cost 0.077 ms of CPU a request with 2.4
 * of the read store's 5.4 GB cached, and 0.033 ms once all of it was.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { currentReadStoreFile } from '../libs/read-model/src/read-store-generations.js';

const CHUNK = 8 * 2 ** 20;

export function readStoresOnce(dataDir: string): { bytes: number; seconds: number } {
  const started = performance.now();
  const stores = [join(dataDir, 'events.sqlite'), currentReadStoreFile(dataDir)];
  const files = stores.flatMap((store) => [store, `${store}-wal`]).filter((file) => existsSync(file));
  const buffer = new Uint8Array(CHUNK);
  let bytes = 0;
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      for (let read: number; (read = readSync(fd, buffer, 0, CHUNK, null)) > 0; ) bytes += read;
    } finally {
      closeSync(fd);
    }
  }
  return { bytes, seconds: (performance.now() - started) / 1000 };
}
