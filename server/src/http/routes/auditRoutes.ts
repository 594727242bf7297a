/** The audit trail for admins: every recorded action, filtered. Read-only by design. */
import { Router } from 'express';
import { listAuditQuery, type AuditPageJson } from '#protocol/rest/audit';
import type { AppContext } from '../../context';
import { authenticate, requireRole } from '../middlewares/authenticate';
import { parseInput } from '../validate';
import { auditEntryJson } from './auditJson';

export function auditRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use(authenticate(ctx.authenticator), requireRole('admin'));

  router.get('/', async (req, res) => {
    const q = parseInput(listAuditQuery, req.query, 'query');
    const { items, total } = await ctx.audit.list(q);
    const body: AuditPageJson = {
      items: items.map(auditEntryJson),
      total,
      limit: q.limit,
      offset: q.offset,
    };
    res.json(body);
  });

  return router;
}
