/** User administration (admins only). */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { NotFoundError } from '../../errors';
import { roles } from '../../auth/tokens';
import { authenticate, requireRole, userOf } from '../middlewares/authenticate';
import { parseInput } from '../validate';
import { publicUser } from './publicUser';

const idParams = z.object({ id: z.uuid('must be a UUID') });
const patchSchema = z.object({ role: z.enum(roles) }).strict();

export function userRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use(authenticate(ctx.tokens));

  router.patch('/:id', requireRole('admin'), async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'user id');
    const { role } = parseInput(patchSchema, req.body, 'user update');
    const user = await ctx.users.setRole(id, role);
    if (!user) throw new NotFoundError('user not found');
    await ctx.audit.record({
      actorUserId: userOf(res).userId,
      action: 'user.role_changed',
      ip: req.ip,
      details: { userId: id, role },
    });
    res.json({ user: publicUser(user) });
  });

  return router;
}
