/**
 * A seal of the log: one SHA-256 over the position and stored hash of every event up to a
 * position, in log order. Each stream's hash chain cannot show its last events removed (what is
 * left still chains); a seal kept where the store's writers cannot change it can: any event at or
 * before its position that is removed, added or changed gives another digest. Events appended
 * after it leave it intact, so one kept seal stays checkable as the log grows.
 */
import crypto from 'node:crypto';

export interface LogSeal {
  /** The last position the seal covers. */
  position: bigint;
  digest: string;
}

/** `position:digest`, as `audit verify` prints it and `--seal` takes it. */
export function formatSeal(seal: LogSeal): string {
  return `${seal.position}:${seal.digest}`;
}

/** Hex digits in either case (a seal copied through a tool that upper-cases it is the same seal). */
export function parseSeal(text: string): LogSeal | null {
  const match = /^(\d{1,20}):([0-9a-fA-F]{64})$/.exec(text.trim());
  return match ? { position: BigInt(match[1]), digest: match[2].toLowerCase() } : null;
}

/** Folds the log's events, in order, into its seal; and the digest up to a seal to check, if given. */
export class LogDigest {
  private readonly hash = crypto.createHash('sha256');
  private last: bigint | null = null;
  private digestAtCheck: string | null = null;

  constructor(private readonly check: LogSeal | null = null) {}

  add(position: bigint, storedHash: string): void {
    if (this.check !== null && this.digestAtCheck === null && position > this.check.position) {
      this.digestAtCheck = this.hash.copy().digest('hex');
    }
    this.hash.update(`${position} ${storedHash}\n`);
    this.last = position;
  }

  /** The seal of everything added so far; null for an empty log. */
  seal(): LogSeal | null {
    return this.last === null ? null : { position: this.last, digest: this.hash.copy().digest('hex') };
  }

  /**
   * Whether the events up to the checked seal's position digest as it says; null when none is
   * checked. A log that now ends before that position lost the events the seal was made with
   * (positions are never reused): it does not hold, whatever the digest of what is left.
   */
  checkedSealHolds(): boolean | null {
    if (this.check === null) return null;
    if (this.last === null || this.last < this.check.position) return false;
    // Nothing past the seal's position was read: the log ends at it, and all of it counts.
    return (this.digestAtCheck ?? this.hash.copy().digest('hex')) === this.check.digest;
  }
}
