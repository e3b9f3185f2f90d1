import { createSecretKey, KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { isUuid } from '../../../domain/src/shared/ids.js';

export const SCOPES = ['booking:read', 'booking:write', 'catalog:write', 'audit:read'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the tenant, the actor recorded on every event, and what they may do. */
export interface Principal {
  organization: string;
  actor: string;
  scopes: ReadonlySet<string>;
}


export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

/** Importing the HMAC key is a large part of verifying a token, so each secret is imported once. */
const keys = new Map<string, KeyObject>();
function key(secret: string): KeyObject {
  let imported = keys.get(secret);
  if (!imported) keys.set(secret, (imported = createSecretKey(secret, 'utf8')));
  return imported;
}

/**
 * Clients send the same token with every request; a verified token is remembered (bounded, and
 * never past its own expiry) so that it is not verified again on every call.
 */
const VERIFIED_CAPACITY = 10_000;
/** By token; the secret it was verified with is kept, so that it never passes under another. */
const verified = new Map<string, { secret: string; principal: Principal; expiresAtMs: number }>();

/** The principal of a token verified before and not yet expired, or null: no verification, no await. */
export function rememberedPrincipal(secret: string, token: string): Principal | null {
  const entry = verified.get(token);
  if (!entry || entry.secret !== secret) return null;
  if (entry.expiresAtMs <= Date.now()) {
    verified.delete(token);
    return null;
  }
  return entry.principal;
}

function remember(secret: string, token: string, principal: Principal, expiresAtSeconds: number | undefined): void {
  if (verified.size >= VERIFIED_CAPACITY) verified.delete(verified.keys().next().value as string);
  // Without an expiry a token stays valid, but is re-verified every minute all the same.
  const expiresAtMs = Math.min(expiresAtSeconds === undefined ? Infinity : expiresAtSeconds * 1000, Date.now() + 60_000);
  verified.set(token, { secret, principal, expiresAtMs });
}

export async function signToken(
  secret: string,
  claims: { organization: string; actor: string; scopes: readonly string[] },
  lifetimeSeconds = 12 * 3_600,
): Promise<string> {
  return new SignJWT({ org: claims.organization.toLowerCase(), scope: claims.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.actor)
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .sign(key(secret));
}

/** A token lives at most this long, so a leaked one stops working within it (rotate the secret for sooner). */
export const MAX_TOKEN_LIFETIME_DAYS = 366;
const MAX_TOKEN_LIFETIME_SECONDS = MAX_TOKEN_LIFETIME_DAYS * 86_400;
/** How far the issuer's clock may run ahead of the API's. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * A lifetime as `token --expires` takes it: a whole number of seconds, minutes, hours or days
 * (`90s`, `15m`, `12h`, `30d`), from one second to MAX_TOKEN_LIFETIME_DAYS. Null otherwise.
 */
export function parseTokenLifetime(text: string): number | null {
  const match = /^([1-9]\d{0,8})([smhd])$/.exec(text);
  if (!match) return null;
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return seconds <= MAX_TOKEN_LIFETIME_SECONDS ? seconds : null;
}

const MAX_ACTOR_LENGTH = 200;
const ACTOR = new RegExp(`^[^\\u0000-\\u001f\\u007f-\\u009f]{1,${MAX_ACTOR_LENGTH}}$`);
export const ACTOR_RULE = `at most ${MAX_ACTOR_LENGTH} characters, without control characters`;

/** A `sub` the API takes as the actor recorded on events: not blank, ACTOR_RULE. */
export const isValidActor = (actor: string): boolean => actor.trim() !== '' && ACTOR.test(actor);

/** HS256 only: a token signed with another algorithm (or `none`) is refused. */
export async function verifyToken(secret: string, token: string): Promise<Principal> {
  const known = rememberedPrincipal(secret, token);
  if (known) return known;
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] }));
  } catch (error) {
    throw new InvalidTokenError(error instanceof Error && error.name === 'JWTExpired' ? 'Token expired' : 'Invalid token');
  }
  const { org, sub, scope } = payload as { org?: unknown; sub?: unknown; scope?: unknown };
  if (typeof org !== 'string' || !isUuid(org)) throw new InvalidTokenError('Token has no valid org claim');
  if (typeof sub !== 'string' || sub.trim() === '') throw new InvalidTokenError('Token has no sub claim');
  // The actor is recorded on every event the caller causes, and shown to auditors.
  if (!isValidActor(sub)) throw new InvalidTokenError(`Token sub claim must be ${ACTOR_RULE}`);
  // A token without an expiry would be valid forever; `token` always sets one.
  if (payload.exp === undefined) throw new InvalidTokenError('Token has no exp claim');
  const now = Math.floor(Date.now() / 1000);
  if (payload.exp > now + MAX_TOKEN_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw new InvalidTokenError(`Token expires more than ${MAX_TOKEN_LIFETIME_DAYS} days from now`);
  }
  // A clock far ahead at the issuer, or a claim made up: either way the token's times mean nothing.
  if (payload.iat !== undefined && payload.iat > now + CLOCK_SKEW_SECONDS) throw new InvalidTokenError('Token issued in the future (iat)');
  const scopes = typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
  const principal: Principal = { organization: org.toLowerCase(), actor: sub, scopes: new Set(scopes) };
  remember(secret, token, principal, payload.exp);
  return principal;
}
