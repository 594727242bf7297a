/**
 * Limits on sign-in and registration (express-rate-limit): per client IP
 * on every attempt, and per email on failed logins only, so that guessing
 * one account's password is slow without locking its owner out for long.
 * Limited requests are refused before any password is hashed, which keeps
 * a flood of guesses from starving the rest of the server of CPU.
 * Counters live in this process (see README: several servers each count
 * their own).
 */
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { TooManyRequestsError } from '../../errors';

export interface AuthRateLimitOptions {
  windowSeconds: number;
  perIp: number;
  perEmail: number;
}

function refuse(message: string): RequestHandler {
  return (req, res, next) => {
    const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
    const retryAfter = Math.max(
      1,
      Math.ceil(((resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000),
    );
    res.setHeader('Retry-After', String(retryAfter));
    next(new TooManyRequestsError(message, retryAfter));
  };
}

/** Every sign-in or registration attempt from one IP (IPv6 by /56, the library's default). */
export function perIpAuthLimit({ windowSeconds, perIp }: AuthRateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: windowSeconds * 1000,
    limit: perIp,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
    handler: (req, res, next) =>
      refuse('too many sign-in attempts from this address; try again later')(req, res, next),
  });
}

/** Failed logins for one email, whatever IP they come from. */
export function perEmailLoginLimit({
  windowSeconds,
  perEmail,
}: AuthRateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: windowSeconds * 1000,
    limit: perEmail,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    keyGenerator: (req) => {
      const email = (req.body as { email?: unknown } | undefined)?.email;
      return `email:${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
    },
    handler: (req, res, next) =>
      refuse('too many failed sign-ins for this account; try again later')(req, res, next),
  });
}
