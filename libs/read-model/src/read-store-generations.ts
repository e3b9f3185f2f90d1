/**
 * The embedded read store's generations. `projections rebuild` builds a whole new read store in a
 * file of its own (`read.gen-<n>.sqlite`) and publishes it by pointing the symlink `read.sqlite`
 * at it (a rename, atomic): no lock on the live store, no copy. Everything that opens
 * `read.sqlite` by name gets the current generation (SQLite follows the link and names the -wal
 * and -shm files after its target); a connection opened before keeps its file, which the running
 * API leaves once its projector has caught the new one up (projector.worker.ts), then removes.
 *
 * A folder from before generations holds a regular `read.sqlite`: it is read as it is, and the
 * first publish replaces that name with the link (the old file lives on for the connections that
 * have it open; its -wal and -shm keep the old name, which no generation shares).
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { exclusiveFileLock } from '../../sqlite-support/src/file-lock.js';

const READ_STORE_NAME = 'read.sqlite';
const GENERATION = /^read\.gen-(\d+)\.sqlite$/;
/** A generation's file or one beside it (-wal, -shm, a rebuild's partitions). */
const GENERATION_OR_BESIDE = /^read\.gen-(\d+)\.sqlite/;
/** SQLite's files beside a database. */
const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;
/**
 * Beside a generation being built: the file whose lock says a rebuild is building it, as the API's
 * `api.lock` says an API runs (file-lock.ts): the OS drops the lock when the process ends, even
 * killed, out of memory, or with the machine.
 */
const BUILDING = '.building';

/** `read.sqlite` in the folder: the link (or a folder's regular file from before generations). */
export function embeddedReadStoreFile(dataDir: string): string {
  return join(dataDir, READ_STORE_NAME);
}

/** The file `read.sqlite` stands for now (the generation it links to, or itself), as an absolute path. */
export function currentReadStoreFile(dataDir: string): string {
  return realpathSync(embeddedReadStoreFile(dataDir));
}

/** The generation's number, or null for a file that is not one (a folder's regular `read.sqlite`). */
export function generationOf(file: string): number | null {
  const match = GENERATION.exec(basename(file));
  return match ? Number(match[1]) : null;
}

/** The generations with a file in the folder (their own, or only one beside it). */
function generationsIn(dataDir: string): number[] {
  const found = new Set<number>();
  for (const name of readdirSync(dataDir)) {
    const match = GENERATION_OR_BESIDE.exec(name);
    if (match) found.add(Number(match[1]));
  }
  return [...found];
}

/** A generation a rebuild is building: its file, and the lock that says so until released. */
export interface ReservedGeneration {
  file: string;
  /** Drops the lock and its file: once the generation is published, or removed. */
  release(): void;
}

/**
 * Reserves the next generation (its file created empty), numbered past every generation in the
 * folder, built or being built. The lock is the reservation: two rebuilds at once never share a
 * generation, and one that never releases its lock (killed) leaves it to removeAbandonedGenerations.
 */
export function reserveGeneration(dataDir: string): ReservedGeneration {
  for (let n = Math.max(0, ...generationsIn(dataDir)) + 1; ; n++) {
    const file = generationFile(dataDir, n);
    const lock = exclusiveFileLock(`${file}${BUILDING}`, { create: true });
    // Held: another rebuild reserved this number a moment ago.
    if (lock === null) continue;
    try {
      closeSync(openSync(file, 'wx'));
    } catch (error) {
      lock.close();
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    let released = false;
    return {
      file,
      release: () => {
        if (released) return;
        released = true;
        lock.close();
        rmSync(`${file}${BUILDING}`, { force: true });
      },
    };
  }
}

/** Writes the file's data to disk (it may have been written without syncing). */
export function syncFile(file: string, flags = 'r+'): void {
  const fd = openSync(file, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes `generation` (a complete read store in the same folder) the current one: a link under a
 * temporary name, renamed over `read.sqlite`, then the folder synced so the rename survives a
 * power cut. The link is relative: the folder can move.
 */
export function publishGeneration(generation: string): void {
  const dataDir = dirname(generation);
  const temporary = join(dataDir, `${READ_STORE_NAME}.link-${process.pid}`);
  rmSync(temporary, { force: true });
  symlinkSync(basename(generation), temporary);
  renameSync(temporary, embeddedReadStoreFile(dataDir));
  syncFile(dataDir, 'r');
}

/**
 * Removes a read store's file that nothing uses any more: a generation with its side files (and a
 * rebuild's partitions and lock), or, for the regular `read.sqlite` of a folder from before
 * generations (its name is now the link), only the side files it left under that name.
 */
export function removeReadStoreFile(file: string): void {
  const dataDir = dirname(file);
  if (generationOf(file) === null) {
    for (const suffix of SIDE_FILES) rmSync(`${file}${suffix}`, { force: true });
    return;
  }
  const name = basename(file);
  for (const entry of readdirSync(dataDir)) if (entry.startsWith(name)) rmSync(join(dataDir, entry), { force: true });
}

/**
 * At the API's start: removes the generations older than the current one (switched while no API
 * ran, or left by a crash), and the side files a folder's regular `read.sqlite` left under that
 * name when the link replaced it (SQLite keeps a moved file's WAL at its last close). Newer
 * generations are kept: a `projections rebuild` may be building one. Returns the files removed.
 */
export function removeOldGenerations(dataDir: string): string[] {
  const current = currentGeneration(dataDir);
  if (current === 0) return []; // No read store yet, or a regular read.sqlite.
  const old = generationsIn(dataDir).filter((n) => n < current);
  const files = old.map((n) => generationFile(dataDir, n));
  files.forEach(removeReadStoreFile);
  const replaced = SIDE_FILES.map((suffix) => `${embeddedReadStoreFile(dataDir)}${suffix}`).filter((file) => existsSync(file));
  replaced.forEach((file) => rmSync(file, { force: true }));
  return [...files, ...replaced];
}

/**
 * Removes the generations newer than the current one whose rebuild has ended without publishing or
 * removing them (killed, out of memory, a power cut): nothing holds their lock. One being built is
 * kept. At 1,000,000 registrations such a leftover is about 6 GB, and the next rebuild needs room
 * for one more. Returns the generations removed (each with the files beside it).
 */
export function removeAbandonedGenerations(dataDir: string): string[] {
  const removed: string[] = [];
  const current = currentGeneration(dataDir);
  for (const n of generationsIn(dataDir).filter((newer) => newer > current)) {
    const file = generationFile(dataDir, n);
    const lock = exclusiveFileLock(`${file}${BUILDING}`, { create: false });
    // Held (being built), or no lock file: reserved before locks, its builder cannot be told from the living.
    if (lock === null) continue;
    try {
      // Published and released between the first look and the lock: it is the current one now.
      if (n <= currentGeneration(dataDir)) continue;
      removeReadStoreFile(file);
      removed.push(file);
    } finally {
      lock.close();
    }
  }
  return removed;
}

/** Generation n's file in the folder. */
function generationFile(dataDir: string, n: number): string {
  return join(dataDir, `read.gen-${n}.sqlite`);
}

/** The current generation's number; 0 for a folder's regular `read.sqlite`, or none yet. */
function currentGeneration(dataDir: string): number {
  try {
    return generationOf(currentReadStoreFile(dataDir)) ?? 0;
  } catch {
    return 0;
  }
}
