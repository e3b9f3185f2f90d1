import { types } from 'node:util';

/** What SQLite's result codes mean, for errors that lost their message on the way (below). */
const SQLITE_MEANINGS: Record<string, string> = {
  SQLITE_FULL: 'database or disk is full',
  SQLITE_CORRUPT: 'database disk image is malformed',
  SQLITE_NOTADB: 'file is not a database',
  SQLITE_IOERR: 'disk I/O error',
  SQLITE_READONLY: 'attempt to write a readonly database',
  SQLITE_CANTOPEN: 'unable to open database file',
};

/**
 * An error a worker thread threw, as its `error` event hands it over, made an Error whose message
 * says what happened. Node copies only what structured cloning keeps of anything but a built-in
 * Error: better-sqlite3's SqliteError arrives as `{ code: 'SQLITE_FULL' }`, printed as
 * "[object Object]" (a full disk, a damaged read store; session 21's durability check).
 */
export function threadError(thrown: unknown): Error {
  if (types.isNativeError(thrown)) return thrown;
  const { name, message, code } = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as { name?: unknown; message?: unknown; code?: unknown };
  const said = typeof message === 'string' && message !== '' ? message : typeof code === 'string' ? (SQLITE_MEANINGS[code.split('_').slice(0, 2).join('_')] ?? '') : '';
  const text = [typeof code === 'string' ? code : null, said].filter((part) => part).join(': ') || String(thrown);
  const error: Error & { code?: string } = new Error(text);
  if (typeof name === 'string') error.name = name;
  if (typeof code === 'string') error.code = code;
  return error;
}
