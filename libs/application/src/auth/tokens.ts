import { SignJWT, jwtVerify } from 'jose';

export const SCOPES = ['booking:read', 'booking:write', 'catalog:write', 'audit:read'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the tenant, the actor recorded on every event, and what they may do. */
export interface Principal {
  organization: string;
  actor: string;
  scopes: ReadonlySet<string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidTokenError';
  }
}

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signToken(
  secret: string,
  claims: { organization: string; actor: string; scopes: readonly string[] },
  expiresIn = '12h',
): Promise<string> {
  return new SignJWT({ org: claims.organization.toLowerCase(), scope: claims.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.actor)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key(secret));
}

/** HS256 only: a token signed with another algorithm (or `none`) is refused. */
export async function verifyToken(secret: string, token: string): Promise<Principal> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] }));
  } catch (error) {
    throw new InvalidTokenError(error instanceof Error && error.name === 'JWTExpired' ? 'Token expired' : 'Invalid token');
  }
  const { org, sub, scope } = payload as { org?: unknown; sub?: unknown; scope?: unknown };
  if (typeof org !== 'string' || !UUID.test(org)) throw new InvalidTokenError('Token has no valid org claim');
  if (typeof sub !== 'string' || sub.trim() === '') throw new InvalidTokenError('Token has no sub claim');
  const scopes = typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
  return { organization: org.toLowerCase(), actor: sub, scopes: new Set(scopes) };
}
