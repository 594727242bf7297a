/** The admins' view of webhook deliveries: every attempt, newest first. */
import { Router } from 'express';
import type { WebhookDeliveriesRepository } from '#db/repositories/WebhookDeliveriesRepository';
import { listDeliveriesQuery, type WebhookDeliveryPageJson } from '#protocol/rest/admin';
import type { AppContext } from '../../context';
import { authenticate, requireRole } from '../middlewares/authenticate';
import { parseInput } from '../validate';

export function webhookRoutes(ctx: AppContext, deliveries: WebhookDeliveriesRepository): Router {
  const router = Router();
  router.use(authenticate(ctx.authenticator), requireRole('admin'));
  router.get('/webhooks/deliveries', async (req, res) => {
    const q = parseInput(listDeliveriesQuery, req.query, 'query');
    const { items, total } = await deliveries.list(q);
    const body: WebhookDeliveryPageJson = {
      items: items.map((d) => ({ ...d, at: d.at.toISOString() })),
      total,
      limit: q.limit,
      offset: q.offset,
    };
    res.json(body);
  });
  return router;
}
