/**
 * Both database drivers for tests: in-memory PGlite and a real PostgreSQL
 * database created for the run and dropped afterwards. Use with
 * `describe.each(testDatabases)('… on $name', (driver) => …)`.
 *
 * PostgreSQL is reached through TEST_POSTGRES_URL (default: the `postgres`
 * database on 127.0.0.1:5432 as user `postgres`, trust auth); each
 * `createPostgresDatabase()` makes its own uniquely-named database there.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle, type DatabaseKind } from '#db/client';

export const adminPostgresUrl =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A throwaway PostgreSQL database; `drop()` is idempotent and forces out open sessions. */
export interface TemporaryPostgresDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty, uniquely-named database on the test PostgreSQL server. */
export async function createPostgresDatabase(
  prefix = 'classroom_test',
): Promise<TemporaryPostgresDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminPostgresUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    await admin.end({ timeout: 1 });
    throw new Error(
      `cannot create a test database on ${redact(adminPostgresUrl)}: ${(error as Error).message}` +
        ' (is PostgreSQL running? see README, "Tests")',
      { cause: error },
    );
  }
  await admin.end({ timeout: 5 });

  const url = new URL(adminPostgresUrl);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    drop() {
      dropping ??= (async () => {
        const sql = postgres(adminPostgresUrl, { max: 1, onnotice: () => {} });
        try {
          await sql.unsafe(`drop database if exists "${name}" with (force)`);
        } finally {
          await sql.end({ timeout: 5 });
        }
      })();
      return dropping;
    },
  };
}

/** An open, migrated database for one test suite; `close()` also drops a PostgreSQL one. */
export interface TestDatabase {
  kind: DatabaseKind;
  handle: DatabaseHandle;
  close(): Promise<void>;
}

export interface TestDatabaseDriver {
  /** For test titles: `describe.each(testDatabases)('… on $name', …)`. */
  name: string;
  kind: DatabaseKind;
  open(): Promise<TestDatabase>;
}

/** Every driver the application supports, for tests that must pass on each. */
export const testDatabases: readonly TestDatabaseDriver[] = [
  {
    name: 'PGlite',
    kind: 'pglite',
    async open() {
      const handle = await openDatabase({ pgliteDir: 'memory://' });
      return { kind: 'pglite', handle, close: () => handle.close() };
    },
  },
  {
    name: 'PostgreSQL',
    kind: 'postgres',
    async open() {
      const database = await createPostgresDatabase();
      let handle: DatabaseHandle;
      try {
        handle = await openDatabase({ databaseUrl: database.url });
      } catch (error) {
        await database.drop();
        throw error;
      }
      return {
        kind: 'postgres',
        handle,
        async close() {
          await handle.close();
          await database.drop();
        },
      };
    },
  },
];

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
