import type * as fs from 'node:fs';

/**
 * Syncs a file to disk through a descriptor this process already holds open on it (found in
 * /proc/self/fd), and says whether it found one. Opening and closing a descriptor of our own would
 * drop every POSIX lock the process holds on the file: for an SQLite database, SQLite's own locks.
 * Where /proc is missing it does nothing. A descriptor closed meanwhile, or its number reused, at
 * worst syncs another file.
 *
 * Self-contained (`fs` passed in): WalCheckpointer's worker runs it from its source text.
 */
export function syncThroughOpenDescriptor(path: string, files: typeof fs): boolean {
  let descriptors: string[];
  try {
    descriptors = files.readdirSync('/proc/self/fd');
  } catch {
    return false;
  }
  for (const fd of descriptors) {
    let target: string | null = null;
    try {
      target = files.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== path) continue;
    try {
      files.fsyncSync(Number(fd));
      return true;
    } catch {
      // Closed since it was listed: try the next one.
    }
  }
  return false;
}
