import { count, desc } from 'drizzle-orm';
import type { Database } from '../client';
import { webhookDeliveries, type WebhookDeliveryRow } from '../schema';

export type NewWebhookDelivery = Omit<WebhookDeliveryRow, 'id' | 'at'>;

/** Attempts to deliver webhook events, newest first. */
export class WebhookDeliveriesRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async record(attempt: NewWebhookDelivery): Promise<void> {
    await this.#db.insert(webhookDeliveries).values(attempt);
  }

  async list({ limit, offset }: { limit: number; offset: number }): Promise<{
    items: WebhookDeliveryRow[];
    total: number;
  }> {
    const [items, [totalRow]] = await Promise.all([
      this.#db
        .select()
        .from(webhookDeliveries)
        .orderBy(desc(webhookDeliveries.at), desc(webhookDeliveries.id))
        .limit(limit)
        .offset(offset),
      this.#db.select({ total: count() }).from(webhookDeliveries),
    ]);
    return { items, total: totalRow?.total ?? 0 };
  }
}
