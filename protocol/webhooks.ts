/**
 * The webhook wire contract, for the server that signs and for receivers
 * that verify. Every delivery is a POST of JSON `{id, type, time, data}`
 * with
 *   X-Webhook-Id:        the event id (receivers dedupe by it: delivery is at least once)
 *   X-Webhook-Timestamp: seconds since the epoch, when this attempt was signed
 *   X-Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the shared secret>
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const webhookEventTypes = [
  'recording.started',
  'recording.stopped',
  'recording.ready',
  'recording.failed',
  'recording.deleted',
  'recording.shared',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  time: string;
  data: { recording: Record<string, unknown> };
}

/** The signature header's value for a body signed at `timestamp` (seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Checks a delivery as a receiver should: the signature over the raw body
 * and its timestamp, and the timestamp no older (or newer) than
 * `toleranceSeconds`, so a captured request cannot be replayed later.
 */
export function verifyWebhook({
  secret,
  body,
  timestamp,
  signature,
  toleranceSeconds = 300,
  now = Date.now(),
}: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  toleranceSeconds?: number;
  now?: number;
}): { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'bad-signature' } {
  const seconds = Number(timestamp);
  if (!timestamp || !Number.isInteger(seconds) || !signature)
    return { ok: false, reason: 'malformed' };
  if (Math.abs(now / 1000 - seconds) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signWebhook(secret, seconds, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'bad-signature' };
  }
  return { ok: true };
}
