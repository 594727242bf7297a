/**
 * JSON Web Tokens, HS256 only. Two kinds share one secret but can never be
 * confused: `typ: 'user'` for people, `typ: 'recorder'` for a recorder bot,
 * scoped to one recording of one room. Verification pins the algorithm, so
 * `alg: none` and RS/ES tokens are rejected.
 */
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { ForbiddenError, UnauthorizedError } from '../errors';

const ALGORITHM = 'HS256' as const;
const ISSUER = 'classroom-recorder';

export const roles = ['student', 'instructor', 'admin'] as const;
export type Role = (typeof roles)[number];

const userClaimsSchema = z.object({
  typ: z.literal('user'),
  sub: z.uuid(),
  role: z.enum(roles),
  name: z.string(),
  email: z.string(),
  // Every user token has an id, so that signing out can revoke exactly it.
  jti: z.string().min(1),
  exp: z.number(),
});

const mediaClaimsSchema = z.object({
  typ: z.literal('media'),
  sub: z.uuid(),
  recordingId: z.uuid(),
});

const recorderClaimsSchema = z.object({
  typ: z.literal('recorder'),
  sub: z.string(),
  recordingId: z.uuid(),
  roomId: z.string(),
  jti: z.string(),
});

export type UserClaims = z.infer<typeof userClaimsSchema>;
export type RecorderClaims = z.infer<typeof recorderClaimsSchema>;

/**
 * The authenticated principal of a request or socket. A user's role, name
 * and email are as the token says until the Authenticator re-reads them.
 */
export type Principal =
  | {
      kind: 'user';
      userId: string;
      role: Role;
      name: string;
      email: string;
      tokenId: string;
      expiresAt: Date;
    }
  | { kind: 'recorder'; recordingId: string; roomId: string; tokenId: string };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;
export type RecorderPrincipal = Extract<Principal, { kind: 'recorder' }>;

/** A media token: lets one user's player fetch one recording's media without headers. */
export interface MediaGrant {
  userId: string;
  recordingId: string;
}

export interface TokenServiceOptions {
  secret: string;
  userTtlSeconds: number;
}

/** Issues and verifies both token kinds. */
export class TokenService {
  readonly #secret: string;
  readonly #userTtlSeconds: number;

  constructor({ secret, userTtlSeconds }: TokenServiceOptions) {
    this.#secret = secret;
    this.#userTtlSeconds = userTtlSeconds;
  }

  issueUserToken(user: { id: string; role: Role; fullName: string; email: string }): string {
    const claims: Omit<UserClaims, 'sub' | 'jti' | 'exp'> = {
      typ: 'user',
      role: user.role,
      name: user.fullName,
      email: user.email,
    };
    return jwt.sign(claims, this.#secret, {
      algorithm: ALGORITHM,
      subject: user.id,
      issuer: ISSUER,
      jwtid: randomUUID(),
      expiresIn: this.#userTtlSeconds,
    });
  }

  /**
   * A short-lived token for one user's playback of one recording, put in a
   * media URL's query string (a `<video>` sends no Authorization header).
   * It never authenticates anything else: `verify` refuses it.
   */
  issueMediaToken(grant: MediaGrant, ttlSeconds: number): { token: string; expiresAt: Date } {
    const claims = { typ: 'media', recordingId: grant.recordingId };
    const token = jwt.sign(claims, this.#secret, {
      algorithm: ALGORITHM,
      subject: grant.userId,
      issuer: ISSUER,
      expiresIn: ttlSeconds,
    });
    return { token, expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
  }

  /** Verifies a media token for `recordingId`; throws 403 for anything else. */
  verifyMedia(token: string, recordingId: string): MediaGrant {
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.#secret, { algorithms: [ALGORITHM], issuer: ISSUER });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new ForbiddenError('media link expired');
      throw new ForbiddenError('invalid media link');
    }
    const media = mediaClaimsSchema.safeParse(payload);
    if (!media.success || media.data.recordingId !== recordingId) {
      throw new ForbiddenError('invalid media link');
    }
    return { userId: media.data.sub, recordingId };
  }

  /** A token that lets one bot join one room hidden and upload one recording. */
  issueRecorderToken(
    { recordingId, roomId }: { recordingId: string; roomId: string },
    ttlSeconds: number,
  ): { token: string; tokenId: string } {
    const tokenId = randomUUID();
    const claims: Omit<RecorderClaims, 'sub' | 'jti'> = { typ: 'recorder', recordingId, roomId };
    const token = jwt.sign(claims, this.#secret, {
      algorithm: ALGORITHM,
      subject: `recorder:${recordingId}`,
      issuer: ISSUER,
      jwtid: tokenId,
      expiresIn: ttlSeconds,
    });
    return { token, tokenId };
  }

  /** Verifies any token; throws UnauthorizedError with a reason safe to show. */
  verify(token: string): Principal {
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.#secret, { algorithms: [ALGORITHM], issuer: ISSUER });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new UnauthorizedError('token expired');
      throw new UnauthorizedError('invalid token');
    }
    const user = userClaimsSchema.safeParse(payload);
    if (user.success) {
      const c = user.data;
      return {
        kind: 'user',
        userId: c.sub,
        role: c.role,
        name: c.name,
        email: c.email,
        tokenId: c.jti,
        expiresAt: new Date(c.exp * 1000),
      };
    }
    const recorder = recorderClaimsSchema.safeParse(payload);
    if (recorder.success) {
      const c = recorder.data;
      return { kind: 'recorder', recordingId: c.recordingId, roomId: c.roomId, tokenId: c.jti };
    }
    throw new UnauthorizedError('invalid token');
  }
}
