/** SQLite's code when it calls a file not (or no longer) a sound database (CORRUPT, NOTADB), else null. */
export function damagedFileCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code) ? code : null;
}
