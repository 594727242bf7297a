/** Registration, login and the current user. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { UnauthorizedError, ConflictError, NotFoundError } from '../../errors';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../auth/passwords';
import { DuplicateEmailError } from '#db/repositories/UsersRepository';
import { authenticate, userOf } from '../middlewares/authenticate';
import { parseInput } from '../validate';
import { publicUser } from './publicUser';

export const emailSchema = z.email().max(320);
export const passwordSchema = z.string().min(8, 'at least 8 characters').max(256);
export const fullNameSchema = z.string().trim().min(1).max(200);

const registerSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  fullName: fullNameSchema,
});
const loginSchema = z.object({ email: z.string().max(320), password: z.string().max(256) });

export function authRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post('/register', async (req, res) => {
    const input = parseInput(registerSchema, req.body, 'registration');
    try {
      const user = await ctx.users.create({
        email: input.email,
        fullName: input.fullName,
        passwordHash: await hashPassword(input.password),
        role: 'student',
      });
      await ctx.audit.record({ actorUserId: user.id, action: 'user.register', ip: req.ip });
      res.status(201).json({ token: ctx.tokens.issueUserToken(user), user: publicUser(user) });
    } catch (error) {
      if (error instanceof DuplicateEmailError) throw new ConflictError('email already registered');
      throw error;
    }
  });

  router.post('/login', async (req, res) => {
    const input = parseInput(loginSchema, req.body, 'login');
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
        ip: req.ip,
      });
      throw new UnauthorizedError('invalid email or password');
    }
    await ctx.audit.record({ actorUserId: user.id, action: 'user.login', ip: req.ip });
    res.json({ token: ctx.tokens.issueUserToken(user), user: publicUser(user) });
  });

  router.get('/me', authenticate(ctx.tokens), async (_req, res) => {
    const user = await ctx.users.findById(userOf(res).userId);
    if (!user) throw new NotFoundError('user no longer exists');
    res.json({ user: publicUser(user) });
  });

  return router;
}
