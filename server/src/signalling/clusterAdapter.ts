/**
 * How the Socket.IO servers of several nodes reach each other's sockets:
 * through Redis (`@socket.io/redis-adapter`, pub/sub) when REDIS_URL is
 * set, else through the shared PostgreSQL (`@socket.io/postgres-adapter`,
 * LISTEN/NOTIFY); none for a single embedded server.
 */
import pg from 'pg';
import { createClient } from 'redis';
import { createAdapter as postgresAdapter } from '@socket.io/postgres-adapter';
import { createAdapter as redisAdapter } from '@socket.io/redis-adapter';
import type { Server } from 'socket.io';
import type { Logger } from '../logger';

/** What `io.adapter()` takes. */
export type AdapterFactory = NonNullable<Parameters<Server['adapter']>[0]>;

export interface ClusterAdapter {
  kind: 'redis' | 'postgres';
  factory: AdapterFactory;
  /** Closes its connections (after the Socket.IO server closed). */
  close(): Promise<void>;
}

export async function openClusterAdapter({
  redisUrl,
  databaseUrl,
  logger,
}: {
  redisUrl: string | undefined;
  databaseUrl: string | undefined;
  logger: Logger;
}): Promise<ClusterAdapter | undefined> {
  const log = logger.child({ module: 'cluster-adapter' });
  if (redisUrl) {
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    for (const client of [pub, sub]) {
      client.on('error', (error: unknown) => log.warn({ err: error }, 'redis adapter error'));
    }
    await Promise.all([pub.connect(), sub.connect()]);
    return {
      kind: 'redis',
      factory: redisAdapter(pub, sub),
      async close() {
        await Promise.allSettled([pub.quit(), sub.quit()]);
      },
    };
  }
  if (databaseUrl) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    pool.on('error', (error) => log.warn({ err: error }, 'socket.io adapter pool error'));
    return {
      kind: 'postgres',
      factory: postgresAdapter(pool),
      async close() {
        await pool.end().catch(() => undefined);
      },
    };
  }
  return undefined;
}
