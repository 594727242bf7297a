import { generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenService } from '#server/auth/tokens';
import { UnauthorizedError } from '#server/errors';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const user = {
  id: randomUUID(),
  role: 'instructor' as const,
  fullName: 'Ivy Instructor',
  email: 'ivy@example.com',
};

function rejection(tokens: TokenService, token: string): UnauthorizedError {
  try {
    tokens.verify(token);
  } catch (error) {
    if (error instanceof UnauthorizedError) return error;
    throw error;
  }
  throw new Error('expected the token to be rejected');
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims of a genuine user token, to re-sign or re-encode in hostile ways. */
function userClaims() {
  const now = Math.floor(Date.now() / 1000);
  return {
    typ: 'user',
    role: 'admin',
    name: 'Mallory',
    email: 'mallory@example.com',
    sub: randomUUID(),
    iss: 'classroom-recorder',
    iat: now,
    exp: now + 3600,
  };
}

describe('TokenService', () => {
  const tokens = new TokenService({ secret, userTtlSeconds: 60 });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('a user token verifies back to the user principal', () => {
    const token = tokens.issueUserToken(user);
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('HS256');
    const principal = tokens.verify(token);
    expect(principal).toEqual({
      kind: 'user',
      userId: user.id,
      role: 'instructor',
      name: 'Ivy Instructor',
      email: 'ivy@example.com',
      tokenId: expect.any(String) as string,
      expiresAt: expect.any(Date) as Date,
    });
    // Every token has its own id, so that signing out revokes just that one.
    expect(tokens.verify(tokens.issueUserToken(user))).not.toMatchObject({
      tokenId: (principal as { tokenId: string }).tokenId,
    });
  });

  it('a media token opens one recording for one user and is no login', () => {
    const recordingId = randomUUID();
    const { token } = tokens.issueMediaToken({ userId: user.id, recordingId }, 60);
    expect(tokens.verifyMedia(token, recordingId)).toEqual({ userId: user.id, recordingId });
    expect(() => tokens.verifyMedia(token, randomUUID())).toThrow(/invalid media link/);
    expect(() => tokens.verify(token)).toThrow(/invalid token/);
    expect(() => tokens.verifyMedia(tokens.issueUserToken(user), recordingId)).toThrow(
      /invalid media link/,
    );
  });

  it('a recorder token verifies to a recorder principal scoped to its recording and room', () => {
    const recordingId = randomUUID();
    const { token, tokenId } = tokens.issueRecorderToken({ recordingId, roomId: 'room-1' }, 60);
    expect(tokens.verify(token)).toEqual({
      kind: 'recorder',
      recordingId,
      roomId: 'room-1',
      tokenId,
    });
  });

  it('the two kinds are never confused: each verifies only as its own kind', () => {
    const userPrincipal = tokens.verify(tokens.issueUserToken(user));
    const { token } = tokens.issueRecorderToken({ recordingId: randomUUID(), roomId: 'r' }, 60);
    expect(userPrincipal.kind).toBe('user');
    expect(tokens.verify(token).kind).toBe('recorder');
  });

  it('a token claiming one kind with the claims of the other is rejected', () => {
    const recorderAsUser = jwt.sign(
      { typ: 'user', recordingId: randomUUID(), roomId: 'r', jti: 'x' },
      secret,
      { algorithm: 'HS256', issuer: 'classroom-recorder', subject: 'recorder:x', expiresIn: 60 },
    );
    expect(rejection(tokens, recorderAsUser).message).toBe('invalid token');
  });

  it("a token past its expiry is rejected with 'token expired'", () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T10:00:00Z'));
    const token = tokens.issueUserToken(user);
    vi.setSystemTime(new Date('2030-01-01T10:01:01Z'));
    const error = rejection(tokens, token);
    expect(error.message).toBe('token expired');
    expect(error.status).toBe(401);
  });

  it('a token signed with another secret is rejected', () => {
    const other = new TokenService({ secret: `${secret}-other`, userTtlSeconds: 60 });
    expect(rejection(tokens, other.issueUserToken(user)).message).toBe('invalid token');
  });

  it('a genuine token whose payload was altered (role escalation) is rejected', () => {
    const [header, , signature] = tokens.issueUserToken(user).split('.');
    const forged = `${header}.${base64url(userClaims())}.${signature}`;
    expect(rejection(tokens, forged).message).toBe('invalid token');
  });

  it('an unsigned `alg: none` token is rejected', () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(userClaims())}.`;
    expect(rejection(tokens, token).message).toBe('invalid token');
  });

  it('an RS256-signed token is rejected even with valid claims', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = jwt.sign(userClaims(), privateKey, { algorithm: 'RS256' });
    expect(rejection(tokens, token).message).toBe('invalid token');
  });

  it('an HS512 token signed with the right secret is rejected: the algorithm is pinned', () => {
    const token = jwt.sign(userClaims(), secret, { algorithm: 'HS512' });
    expect(rejection(tokens, token).message).toBe('invalid token');
  });

  it('a token from another issuer, or plain garbage, is rejected', () => {
    const foreign = jwt.sign({ ...userClaims(), iss: 'someone-else' }, secret, {
      algorithm: 'HS256',
    });
    expect(rejection(tokens, foreign).message).toBe('invalid token');
    expect(rejection(tokens, 'not-a-jwt').message).toBe('invalid token');
  });
});
