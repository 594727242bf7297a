/**
 * Where webhooks may go. A URL that resolves to this machine's loopback, a
 * link-local, private or otherwise non-public address is refused unless
 * WEBHOOK_ALLOW_PRIVATE=true: a webhook must not become a way to reach the
 * server's own network (SSRF). Checked before every attempt, after DNS.
 */
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

const PUBLIC_RANGES = new Set(['unicast']);

export class DestinationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DestinationRefusedError';
  }
}

/** True for an address outside loopback, link-local, private, CGNAT, multicast and reserved ranges. */
export function isPublicAddress(address: string): boolean {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return PUBLIC_RANGES.has(parsed.range());
}

/** Resolves the URL's host and throws DestinationRefusedError when any address is not allowed. */
export async function assertAllowedDestination(url: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host)
    ? [host]
    : (await lookup(host, { all: true })).map((entry) => entry.address);
  const refused = addresses.filter((a) => !isPublicAddress(a));
  if (refused.length > 0) {
    throw new DestinationRefusedError(
      `${host} resolves to a non-public address (${refused.join(', ')}); set WEBHOOK_ALLOW_PRIVATE=true to allow it`,
    );
  }
}
