/**
 * Exact counts, remembered until the database changes. Counting a tenant's whole collection walks
 * an index entry per document (about 140 ms at a million registrations), and every search page
 * pays for it in X-Total-Count, while reporting tools ask the same counts again and again. SQLite's
 * `data_version` changes whenever any other connection commits (a projection batch of this
 * process, or a projector in another one), so a remembered count is never stale.
 */
import type { Connection } from './sqlite-connection.js';

const CAPACITY = 256;

export class CountCache {
  private readonly counts = new Map<string, number>();
  private version: number | null = null;

  constructor(private readonly connection: Connection) {}

  count(sql: string, params: readonly unknown[]): number {
    const version = this.connection.statement('PRAGMA data_version').pluck().get() as number;
    if (version !== this.version) {
      this.counts.clear();
      this.version = version;
    }
    const key = `${sql}\u0000${JSON.stringify(params)}`;
    let count = this.counts.get(key);
    if (count === undefined) {
      count = this.connection.statement(sql).pluck().get(...params) as number;
      if (this.counts.size >= CAPACITY) this.counts.delete(this.counts.keys().next().value!);
      this.counts.set(key, count);
    }
    return count;
  }
}
