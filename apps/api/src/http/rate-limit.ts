import { HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Principal } from '../../../../libs/application/src/auth/tokens.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets in memory, one per key: `perMinute` requests may burst at once, and the bucket
 * refills continuously at `perMinute` per minute. Per process: behind N replicas the effective
 * limit is N times higher (see docs/operations.md).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** Takes one token; returns 0 when allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.forgetFull(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.refillPerMs);
  }

  /** A bucket idle long enough to be full again is the same as no bucket: drop it. */
  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}

/** Probes and scrapers must never be throttled: an orchestrator would restart a healthy pod. */
export const RATE_LIMIT_EXEMPT = /^\/(health|metrics)(\/|$)/;

/**
 * Per-caller rate limit, an onRequest hook of a route: keyed by the verified token
 * (organization + subject), or by client IP on anonymous routes. Runs after the auth hook, so a
 * forged token cannot pick its own key.
 */
export function rateLimit(perMinute: number) {
  const buckets = new TokenBuckets(perMinute);
  return (request: FastifyRequest & { principal?: Principal }, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const { principal } = request;
    const waitMs = buckets.take(principal ? `token:${principal.organization}:${principal.actor}` : `ip:${request.ip}`);
    if (waitMs === 0) return done();
    void reply.header('Retry-After', String(Math.ceil(waitMs / 1000)));
    done(new HttpException('Too many requests: slow down and retry after the time in Retry-After', 429));
  };
}
