/**
 * Opens the database: embedded PGlite (the zero-setup default, stored under
 * a directory) or PostgreSQL through the `postgres` driver. Both speak the
 * same schema and migrations, so everything above this file is driver-agnostic.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { PGlite } from '@electric-sql/pglite';
import * as schema from './schema';

export type Schema = typeof schema;
/** The drizzle database type both drivers satisfy. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseKind = 'pglite' | 'postgres';

/** How the durable job queue reaches the same database: the PGlite instance, or the URL. */
export type QueueConnection =
  { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; url: string };

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: DatabaseKind;
  readonly queueConnection: QueueConnection;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…`: use PostgreSQL. Absent: use embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; `memory://` for a throwaway in-memory database. */
  pgliteDir?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

export const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Opens (and by default migrates) the database. */
export async function openDatabase({
  databaseUrl,
  pgliteDir = 'memory://',
  migrate = true,
}: OpenDatabaseOptions): Promise<DatabaseHandle> {
  let handle: DatabaseHandle;
  if (databaseUrl) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const client = postgres(databaseUrl, { max: 10, onnotice: () => {} });
    const db = drizzle(client, { schema });
    if (migrate) {
      const { migrate: run } = await import('drizzle-orm/postgres-js/migrator');
      await run(db, { migrationsFolder });
    }
    handle = makeHandle(db, { kind: 'postgres', url: databaseUrl }, () =>
      client.end({ timeout: 5 }),
    );
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    if (!pgliteDir.startsWith('memory://')) mkdirSync(pgliteDir, { recursive: true });
    const client = await PGlite.create(pgliteDir);
    const db = drizzle(client, { schema });
    if (migrate) {
      const { migrate: run } = await import('drizzle-orm/pglite/migrator');
      await run(db, { migrationsFolder });
    }
    handle = makeHandle(db, { kind: 'pglite', pglite: client }, () => client.close());
  }
  return handle;
}

function makeHandle(
  db: Database,
  queueConnection: QueueConnection,
  end: () => Promise<void>,
): DatabaseHandle {
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: queueConnection.kind,
    queueConnection,
    async ping() {
      await db.execute(sql`select 1`);
    },
    close() {
      closing ??= end();
      return closing;
    },
  };
}
