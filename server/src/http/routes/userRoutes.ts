/** User administration (admins only): create accounts, change roles, delete accounts. */
import { Router } from 'express';
import type { AppContext } from '../../context';
import { BadRequestError, ConflictError, NotFoundError } from '../../errors';
import { hashPassword } from '../../auth/passwords';
import { DuplicateEmailError } from '#db/repositories/UsersRepository';
import {
  createUserBody,
  listUsersQuery,
  updateUserBody,
  userParams,
  type UserPageJson,
} from '#protocol/rest/users';
import { authenticate, requestOrigin, requireRole, userOf } from '../middlewares/authenticate';
import { parseInput } from '../validate';
import { publicUser } from './publicUser';

export interface UserRoutesOptions {
  /** Called after an account's role changes or it is deleted (drop its sessions). */
  onAccountChanged?: (userId: string) => void;
}

export function userRoutes(ctx: AppContext, { onAccountChanged }: UserRoutesOptions = {}): Router {
  const router = Router();
  router.use(authenticate(ctx.authenticator), requireRole('admin'));

  const changed = (userId: string) => {
    ctx.authenticator.forgetUser(userId);
    onAccountChanged?.(userId);
  };

  router.get('/', async (req, res) => {
    const q = parseInput(listUsersQuery, req.query, 'query');
    const { items, total } = await ctx.users.search(q);
    const body: UserPageJson = {
      items: items.map(publicUser),
      total,
      limit: q.limit,
      offset: q.offset,
    };
    res.json(body);
  });

  router.post('/', async (req, res) => {
    const input = parseInput(createUserBody, req.body, 'user');
    try {
      const user = await ctx.users.create({
        email: input.email,
        fullName: input.fullName,
        role: input.role,
        passwordHash: await hashPassword(input.password),
      });
      await ctx.audit.record({
        actorUserId: userOf(res).userId,
        action: 'user.create',
        ...requestOrigin(req),
        details: { userId: user.id, email: user.email, role: user.role },
      });
      res.status(201).json({ user: publicUser(user) });
    } catch (error) {
      if (error instanceof DuplicateEmailError) throw new ConflictError('email already registered');
      throw error;
    }
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(userParams, req.params, 'user id');
    const { role } = parseInput(updateUserBody, req.body, 'user update');
    const user = await ctx.users.setRole(id, role);
    if (!user) throw new NotFoundError('user not found');
    changed(id);
    await ctx.audit.record({
      actorUserId: userOf(res).userId,
      action: 'user.role_changed',
      ...requestOrigin(req),
      details: { userId: id, role },
    });
    res.json({ user: publicUser(user) });
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(userParams, req.params, 'user id');
    const actor = userOf(res);
    if (id === actor.userId) throw new BadRequestError('you cannot delete your own account');
    const user = await ctx.users.softDelete(id);
    if (!user) throw new NotFoundError('user not found');
    changed(id);
    await ctx.audit.record({
      actorUserId: actor.userId,
      action: 'user.delete',
      ...requestOrigin(req),
      details: { userId: id, email: user.email },
    });
    res.json({ success: true, deletedAt: user.deletedAt });
  });

  return router;
}
