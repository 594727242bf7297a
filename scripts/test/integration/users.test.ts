import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '#db/client';
import { UsersRepository } from '#db/repositories/UsersRepository';
import { verifyPassword } from '#server/auth/passwords';
import { createPostgresDatabase, type TemporaryPostgresDatabase } from '#db/test/helpers/databases';

const execFileAsync = promisify(execFile);
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run -s users -- …` the way a person would, with the given environment. */
async function users(args: string[], env: Record<string, string>): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync('npm', ['run', '-s', 'users', '--', ...args], {
      env: { ...process.env, DATABASE_URL: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const create = (email: string, role = 'instructor') => [
  'create',
  '--email',
  email,
  '--password',
  'correct horse battery',
  '--role',
  role,
  '--name',
  'Ivy Instructor',
];

describe('npm run users -- create, on the embedded database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'classroom-users-cli-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints only the new user id, and the user can log in with the password', async () => {
    const result = await users(create('Ivy@Example.com'), { DATA_DIR: dataDir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Exactly one line, the id: scripts can capture it with $(…).
    expect(result.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(result.stdout.trim()).toMatch(uuid);
    const id = result.stdout.trim();

    const database = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
    try {
      const row = await new UsersRepository(database.db).findById(id);
      expect(row).toMatchObject({ email: 'ivy@example.com', role: 'instructor' });
      expect(await verifyPassword(row!.passwordHash, 'correct horse battery')).toBe(true);
    } finally {
      await database.close();
    }
  });

  it('a duplicate email exits 1 with a clear message and prints nothing on stdout', async () => {
    const result = await users(create('ivy@example.com'), { DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('already exists');
  });

  it('bad input exits 2 naming each bad option, before touching the database', async () => {
    const result = await users(
      ['create', '--email', 'not-an-email', '--password', 'short', '--role', 'superuser'],
      { DATA_DIR: join(dataDir, 'never-created') },
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    for (const option of ['--email', '--password', '--role', '--name']) {
      expect(result.stderr).toContain(option);
    }
  });
});

describe('npm run users -- create, on PostgreSQL', () => {
  let database: TemporaryPostgresDatabase;
  beforeAll(async () => {
    database = await createPostgresDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('creates the user in the DATABASE_URL database and prints its id', async () => {
    const result = await users(create('admin@example.org', 'admin'), {
      DATABASE_URL: database.url,
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(uuid);

    const handle = await openDatabase({ databaseUrl: database.url });
    try {
      const row = await new UsersRepository(handle.db).findByEmail('admin@example.org');
      expect(row?.id).toBe(result.stdout.trim());
      expect(row?.role).toBe('admin');
    } finally {
      await handle.close();
    }
  });
});
