import { describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { parseTokenLifetime, signToken, verifyToken } from './tokens.js';

const secret = 's'.repeat(40);
const org = 'AAAAAAAA-1111-4111-8111-111111111111';

describe('bearer tokens', () => {
  it('round-trips organization (lower-cased), actor and scopes', async () => {
    const token = await signToken(secret, { organization: org, actor: 'alice', scopes: ['booking:read', 'audit:read'] });
    const principal = await verifyToken(secret, token);
    expect(principal.organization).toBe(org.toLowerCase());
    expect(principal.actor).toBe('alice');
    expect([...principal.scopes]).toEqual(['booking:read', 'audit:read']);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await signToken('t'.repeat(40), { organization: org, actor: 'a', scopes: [] });
    await expect(verifyToken(secret, token)).rejects.toThrow('Invalid token');
  });

  it('refuses an expired token', async () => {
    const token = await new SignJWT({ org, scope: '' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret));
    await expect(verifyToken(secret, token)).rejects.toThrow('Token expired');
  });

  it('refuses a token whose org is not a UUID', async () => {
    const token = await new SignJWT({ org: 'acme', scope: '' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    await expect(verifyToken(secret, token)).rejects.toThrow('org');
  });

  it('refuses a token without an expiry, which would be valid forever', async () => {
    const token = await new SignJWT({ org, scope: 'booking:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .sign(new TextEncoder().encode(secret));
    await expect(verifyToken(secret, token)).rejects.toThrow('Token has no exp claim');
  });

  it.each([
    ['longer than 200 characters', 'x'.repeat(201)],
    ['with a line break', 'alice\nActor: mallory'],
    ['with a NUL', 'alice\u0000'],
  ])('refuses a sub %s: it is the actor recorded on every event', async (_, sub) => {
    const token = await new SignJWT({ org, scope: 'booking:write' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    await expect(verifyToken(secret, token)).rejects.toThrow('Token sub claim must be at most 200 characters, without control characters');
  });

  it('takes a sub of 200 characters in any script', async () => {
    const actor = 'Zoë 李'.repeat(40);
    const token = await signToken(secret, { organization: org, actor, scopes: [] });
    expect((await verifyToken(secret, token)).actor).toBe(actor);
  });

  it('refuses a token issued in the future: its times mean nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ org, scope: 'booking:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setIssuedAt(now + 3_600)
      .setExpirationTime(now + 7_200)
      .sign(new TextEncoder().encode(secret));
    await expect(verifyToken(secret, token)).rejects.toThrow('Token issued in the future (iat)');
  });

  it('refuses a token that expires more than 366 days from now, and takes one that lives that long', async () => {
    const now = Math.floor(Date.now() / 1000);
    const farOff = await new SignJWT({ org, scope: 'booking:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setExpirationTime(now + 367 * 86_400)
      .sign(new TextEncoder().encode(secret));
    await expect(verifyToken(secret, farOff)).rejects.toThrow('Token expires more than 366 days from now');
    const longest = await signToken(secret, { organization: org, actor: 'reporting', scopes: [] }, parseTokenLifetime('366d')!);
    expect((await verifyToken(secret, longest)).actor).toBe('reporting');
  });

  it.each([
    ['90s', 90],
    ['15m', 900],
    ['12h', 43_200],
    ['366d', 366 * 86_400],
    ['367d', null],
    ['0h', null],
    ['-5h', null],
    ['1.5h', null],
    ['2 weeks', null],
    ['forever', null],
  ])('reads the lifetime %j as %p seconds', (text, seconds) => {
    expect(parseTokenLifetime(text)).toBe(seconds);
  });

  it('refuses a token signed with the same secret under another algorithm than HS256', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const token = await new SignJWT({ org, scope: 'booking:write' })
        .setProtectedHeader({ alg })
        .setSubject('a')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      await expect(verifyToken(secret, token)).rejects.toThrow('Invalid token');
    }
  });

  it('refuses an unsigned (alg none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ org, sub: 'a', scope: 'booking:write' })).toString('base64url');
    await expect(verifyToken(secret, `${header}.${body}.`)).rejects.toThrow('Invalid token');
  });
});

describe('verified tokens are remembered, within limits', () => {
  it('answers a repeated token from memory but still refuses it once it has expired', async () => {
    // Two whole seconds ahead: with one, a test started late in a second could see its token
    // expire before the first check (an expiry is whole seconds).
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ org, scope: 'booking:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setExpirationTime(expiresAt)
      .sign(new TextEncoder().encode(secret));
    expect((await verifyToken(secret, token)).actor).toBe('a');
    expect((await verifyToken(secret, token)).actor).toBe('a');
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 10));
    await expect(verifyToken(secret, token)).rejects.toThrow('Token expired');
  });

  it('never lets a token verified under one secret pass under another', async () => {
    const token = await signToken(secret, { organization: org, actor: 'a', scopes: [] });
    await verifyToken(secret, token);
    await expect(verifyToken('u'.repeat(40), token)).rejects.toThrow('Invalid token');
  });
});
