/**
 * Bearer-token authentication. `authenticate` accepts user tokens only,
 * checked against the database by the Authenticator (revoked tokens and
 * deleted accounts refused, the role as it is now); routes for the recorder
 * bot use `authenticateRecorder`. Handlers read the principal from
 * `res.locals`.
 */
import type { Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '../../errors';
import type {
  Principal,
  RecorderPrincipal,
  Role,
  TokenService,
  UserPrincipal,
} from '../../auth/tokens';
import type { Authenticator } from '../../auth/Authenticator';
import type { RequestOrigin } from '#db/repositories/AuditRepository';

export type { RecorderPrincipal, UserPrincipal };

function bearer(header: string | undefined): string {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match?.[1]) throw new UnauthorizedError('missing bearer token');
  return match[1];
}

/** The user of a request's bearer token (401 without one, 403 for another kind of token). */
export async function userFromBearer(
  authenticator: Authenticator,
  req: Request,
): Promise<UserPrincipal> {
  const principal = await authenticator.authenticate(bearer(req.headers.authorization));
  if (principal.kind !== 'user') throw new ForbiddenError('a user token is required');
  return principal;
}

export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    res.locals.principal = await userFromBearer(authenticator, req);
    next();
  };
}

export function authenticateRecorder(tokens: TokenService): RequestHandler {
  return (req, res, next) => {
    const principal = tokens.verify(bearer(req.headers.authorization));
    if (principal.kind !== 'recorder') throw new ForbiddenError('a recorder token is required');
    res.locals.principal = principal;
    next();
  };
}

export function requireRole(...allowed: Role[]): RequestHandler {
  return (_req, res, next) => {
    if (!allowed.includes(userOf(res).role)) throw new ForbiddenError('insufficient role');
    next();
  };
}

export function userOf(res: Response): UserPrincipal {
  const p = res.locals.principal as Principal | undefined;
  if (p?.kind !== 'user') throw new UnauthorizedError();
  return p;
}

export function recorderOf(res: Response): RecorderPrincipal {
  const p = res.locals.principal as Principal | undefined;
  if (p?.kind !== 'recorder') throw new UnauthorizedError();
  return p;
}

/** Where a request came from, for the audit trail. */
export function requestOrigin(req: Request): RequestOrigin {
  return { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
}
