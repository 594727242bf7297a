import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '#protocol/webhooks';

const secret = 'a-secret-that-is-long-enough-0123456789';
const body = JSON.stringify({ id: 'e1', type: 'recording.ready' });

describe('webhook signatures', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  const ts = Math.floor(now / 1000);
  const signature = signWebhook(secret, ts, body);

  it('is sha256=<hex HMAC of "timestamp.body">, and verifies', () => {
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook({ secret, body, timestamp: String(ts), signature, now })).toEqual({
      ok: true,
    });
  });

  it('refuses a tampered body, another secret, a missing header', () => {
    expect(
      verifyWebhook({ secret, body: `${body} `, timestamp: String(ts), signature, now }),
    ).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(
      verifyWebhook({ secret: `${secret}x`, body, timestamp: String(ts), signature, now }),
    ).toMatchObject({ ok: false });
    expect(verifyWebhook({ secret, body, timestamp: undefined, signature, now })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses a replay older than five minutes (the timestamp is signed, so it cannot be refreshed)', () => {
    const later = now + 301_000;
    expect(verifyWebhook({ secret, body, timestamp: String(ts), signature, now: later })).toEqual({
      ok: false,
      reason: 'stale',
    });
    const moved = verifyWebhook({
      secret,
      body,
      timestamp: String(ts + 301),
      signature,
      now: later,
    });
    expect(moved).toEqual({ ok: false, reason: 'bad-signature' });
  });
});
