/**
 * User administration from the shell, for bootstrapping an installation and
 * for test suites:
 *
 *   npm run -s users -- create --email E --password P --role R --name N
 *
 * Uses the configured database (DATABASE_URL: PostgreSQL; otherwise the
 * embedded PGlite under DATA_DIR, which must not be open in a running server
 * at the same time). Prints only the new user's id on stdout; errors go to
 * stderr with exit code 2 for bad input and 1 for everything else.
 */
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig } from '#server/config';
import { roles } from '#server/auth/tokens';
import { hashPassword } from '#server/auth/passwords';
import { emailSchema } from '#protocol/rest/common';
import { fullNameSchema, passwordSchema } from '#protocol/rest/users';
import { openDatabase } from '#db/client';
import { DuplicateEmailError, UsersRepository } from '#db/repositories/UsersRepository';

const usage = `usage: npm run -s users -- create --email <email> --password <password> --role <${roles.join('|')}> --name <full name>`;

const createSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  role: z.enum(roles),
  name: fullNameSchema,
});

/** A failure whose message is the whole story: printed without a stack. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

function parseCommand(argv: string[]): z.output<typeof createSchema> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${usage}`, 2);
  }
  const { positionals, values } = parsed;
  if (values.help) throw new CliError(usage, 2);
  if (positionals.length !== 1 || positionals[0] !== 'create') {
    throw new CliError(
      `expected the command \`create\`, got ${positionals.length ? `\`${positionals.join(' ')}\`` : 'nothing'}\n${usage}`,
      2,
    );
  }
  const input = createSchema.safeParse(values);
  if (!input.success) {
    const problems = input.error.issues.map(
      (i) => `--${i.path.join('.')}: ${i.code === 'invalid_type' ? 'required' : i.message}`,
    );
    throw new CliError(`invalid input: ${problems.join('; ')}\n${usage}`, 2);
  }
  return input.data;
}

async function createUser(input: z.output<typeof createSchema>): Promise<string> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 1);
    throw error;
  }
  const database = await openDatabase({
    databaseUrl: config.database.url,
    pgliteDir: config.database.pgliteDir,
  });
  try {
    const user = await new UsersRepository(database.db).create({
      email: input.email,
      fullName: input.name,
      role: input.role,
      passwordHash: await hashPassword(input.password),
    });
    return user.id;
  } catch (error) {
    if (error instanceof DuplicateEmailError) throw new CliError(error.message, 1);
    throw error;
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  try {
    const id = await createUser(parseCommand(process.argv.slice(2)));
    process.stdout.write(`${id}\n`);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`users: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(`users: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  }
}

await main();
