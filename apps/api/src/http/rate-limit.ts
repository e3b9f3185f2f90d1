import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
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
const EXEMPT = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Per-caller rate limit: keyed by the verified token (organization + subject), or by client IP
 * for anonymous endpoints. Runs after the auth guard, so a forged token cannot pick its own key.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  private readonly buckets: TokenBuckets;

  constructor(perMinute: number) {
    this.buckets = new TokenBuckets(perMinute);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    if (EXEMPT.test(request.url)) return next.handle();
    const { principal } = request;
    const key = principal ? `token:${principal.organization}:${principal.actor}` : `ip:${request.ip}`;
    const waitMs = this.buckets.take(key);
    if (waitMs > 0) {
      void context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new HttpException('Too many requests: slow down and retry after the time in Retry-After', 429);
    }
    return next.handle();
  }
}
