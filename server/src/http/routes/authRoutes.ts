/** Registration, login, logout and the current user. */
import { Router } from 'express';
import type { AppContext } from '../../context';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../errors';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../auth/passwords';
import { DuplicateEmailError } from '#db/repositories/UsersRepository';
import { loginBody, registerBody, type SessionJson } from '#protocol/rest/users';
import { authenticate, requestOrigin, userOf } from '../middlewares/authenticate';
import { perEmailLoginLimit, perIpAuthLimit } from '../middlewares/rateLimits';
import { parseInput } from '../validate';
import { publicUser } from './publicUser';

export function authRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = ctx.config.auth.rateLimit;
  const perIp = perIpAuthLimit(limits);

  router.post('/register', perIp, async (req, res) => {
    if (ctx.config.auth.registration === 'closed') {
      throw new ForbiddenError('registration is closed: ask an administrator for an account');
    }
    const input = parseInput(registerBody, req.body, 'registration');
    try {
      const user = await ctx.users.create({
        email: input.email,
        fullName: input.fullName,
        passwordHash: await hashPassword(input.password),
        role: 'student',
      });
      await ctx.audit.record({
        actorUserId: user.id,
        action: 'user.register',
        ...requestOrigin(req),
      });
      const body: SessionJson = { token: ctx.tokens.issueUserToken(user), user: publicUser(user) };
      res.status(201).json(body);
    } catch (error) {
      if (error instanceof DuplicateEmailError) throw new ConflictError('email already registered');
      throw error;
    }
  });

  router.post('/login', perIp, perEmailLoginLimit(limits), async (req, res) => {
    const input = parseInput(loginBody, req.body, 'login');
    const user = await ctx.users.findByEmail(input.email);
    // Verify against a dummy hash for unknown emails: same answer, same time.
    const ok = await verifyPassword(
      user?.passwordHash ?? (await dummyPasswordHash()),
      input.password,
    );
    if (!user || !ok) {
      await ctx.audit.record({
        actorUserId: user?.id ?? null,
        action: 'user.login_failed',
        ...requestOrigin(req),
        details: { email: input.email.toLowerCase().slice(0, 320) },
      });
      throw new UnauthorizedError('invalid email or password');
    }
    await ctx.audit.record({ actorUserId: user.id, action: 'user.login', ...requestOrigin(req) });
    const body: SessionJson = { token: ctx.tokens.issueUserToken(user), user: publicUser(user) };
    res.json(body);
  });

  router.post('/logout', authenticate(ctx.authenticator), async (req, res) => {
    const user = userOf(res);
    await ctx.authenticator.revoke(user);
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'user.logout',
      ...requestOrigin(req),
    });
    res.json({ success: true });
  });

  router.get('/me', authenticate(ctx.authenticator), async (_req, res) => {
    const user = await ctx.users.findById(userOf(res).userId);
    if (!user) throw new NotFoundError('user no longer exists');
    res.json({ user: publicUser(user) });
  });

  return router;
}
