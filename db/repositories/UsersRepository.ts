import { and, asc, count, eq, ilike, inArray, isNull, or, type SQL } from 'drizzle-orm';
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

  /** An account that exists and is not deleted. */
  async findById(id: string): Promise<UserRow | undefined> {
    const [row] = await this.#db
      .select()
      .from(users)
      .where(and(eq(users.id, id), isNull(users.deletedAt)))
      .limit(1);
    return row;
  }

  /** An account that exists and is not deleted. */
  async findByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await this.#db
      .select()
      .from(users)
      .where(and(eq(users.email, email.toLowerCase()), isNull(users.deletedAt)))
      .limit(1);
    return row;
  }

  /** Accounts (not deleted) whose email or name contains `q`, by email. */
  async search({
    q,
    limit,
    offset,
  }: {
    q?: string | undefined;
    limit: number;
    offset: number;
  }): Promise<{ items: UserRow[]; total: number }> {
    const conditions: SQL[] = [isNull(users.deletedAt)];
    if (q) {
      const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conditions.push(or(ilike(users.email, pattern), ilike(users.fullName, pattern))!);
    }
    const where = and(...conditions);
    const [items, [totalRow]] = await Promise.all([
      this.#db
        .select()
        .from(users)
        .where(where)
        .orderBy(asc(users.email))
        .limit(limit)
        .offset(offset),
      this.#db.select({ total: count() }).from(users).where(where),
    ]);
    return { items, total: totalRow?.total ?? 0 };
  }

  /** Names and emails of users by id (deleted accounts included: they still own things). */
  async refsByIds(
    ids: readonly string[],
  ): Promise<Map<string, { id: string; email: string; fullName: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db
      .select({ id: users.id, email: users.email, fullName: users.fullName })
      .from(users)
      .where(inArray(users.id, [...new Set(ids)]));
    return new Map(rows.map((r) => [r.id, r]));
  }

  async setRole(id: string, role: UserRole): Promise<UserRow | undefined> {
    const [row] = await this.#db
      .update(users)
      .set({ role })
      .where(and(eq(users.id, id), isNull(users.deletedAt)))
      .returning();
    return row;
  }

  /**
   * Deletes an account: it can no longer sign in and its tokens stop working.
   * The row stays (recordings and the audit trail still name who did what).
   */
  async softDelete(id: string, at = new Date()): Promise<UserRow | undefined> {
    const [row] = await this.#db
      .update(users)
      .set({ deletedAt: at })
      .where(and(eq(users.id, id), isNull(users.deletedAt)))
      .returning();
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
