import { eq } from 'drizzle-orm';
import type { Database } from '../client';
import { users, type UserRole, type UserRow } from '../schema';

export interface NewUser {
  email: string;
  fullName: string;
  passwordHash: string;
  role: UserRole;
}

/** Thrown when an email is already taken (unique violation). */
export class DuplicateEmailError extends Error {
  constructor(email: string) {
    super(`a user with email ${email} already exists`);
    this.name = 'DuplicateEmailError';
  }
}

/** Reads and writes `users`. Emails are stored lower-cased. */
export class UsersRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(user: NewUser): Promise<UserRow> {
    try {
      const [row] = await this.#db
        .insert(users)
        .values({ ...user, email: user.email.toLowerCase() })
        .returning();
      return row!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError(user.email);
      throw error;
    }
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const [row] = await this.#db.select().from(users).where(eq(users.id, id)).limit(1);
    return row;
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await this.#db
      .select()
      .from(users)
      .where(eq(users.email, email.toLowerCase()))
      .limit(1);
    return row;
  }

  async setRole(id: string, role: UserRole): Promise<UserRow | undefined> {
    const [row] = await this.#db.update(users).set({ role }).where(eq(users.id, id)).returning();
    return row;
  }
}

/** Postgres (and PGlite) report unique violations as SQLSTATE 23505. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
