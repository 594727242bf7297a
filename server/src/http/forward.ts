/**
 * Hands an API request over to another server of the cluster (the one that
 * hosts the room, or runs the recording) and relays its answer, so that the
 * HTTP API works on every server. The other server authenticates and
 * authorizes the request itself; a request already forwarded once is never
 * forwarded again (no loops between servers that disagree for a moment).
 */
import type { Request, Response } from 'express';

export const FORWARDED_BY_HEADER = 'x-classroom-forwarded-by';

/** True for a request another server forwarded here. */
export function wasForwarded(req: Request): boolean {
  return typeof req.headers[FORWARDED_BY_HEADER] === 'string';
}

export async function forwardRequest(
  req: Request,
  res: Response,
  { baseUrl, nodeId }: { baseUrl: string; nodeId: string },
): Promise<void> {
  const headers: Record<string, string> = { [FORWARDED_BY_HEADER]: nodeId };
  for (const name of ['authorization', 'content-type', 'user-agent']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  // The caller's address, for the audit trail of a server that trusts its proxies.
  headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress]
    .filter(Boolean)
    .join(', ');
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined;
  const upstream = await fetch(new URL(req.originalUrl, baseUrl), {
    method: req.method,
    headers,
    ...(hasBody ? { body: JSON.stringify(req.body) } : {}),
    signal: AbortSignal.timeout(60_000),
  });
  res.status(upstream.status);
  const type = upstream.headers.get('content-type');
  if (type) res.setHeader('content-type', type);
  res.send(Buffer.from(await upstream.arrayBuffer()));
}
