import { eq, lt } from 'drizzle-orm';
import type { Database } from '../client';
import { revokedTokens } from '../schema';

/** Tokens signed out before they expired (`POST /auth/logout`). */
export class RevokedTokensRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async revoke(input: { tokenId: string; userId: string; expiresAt: Date }): Promise<void> {
    await this.#db.insert(revokedTokens).values(input).onConflictDoNothing();
  }

  async isRevoked(tokenId: string): Promise<boolean> {
    const [row] = await this.#db
      .select({ tokenId: revokedTokens.tokenId })
      .from(revokedTokens)
      .where(eq(revokedTokens.tokenId, tokenId))
      .limit(1);
    return Boolean(row);
  }

  /** Forgets revocations of tokens that have expired anyway; returns how many. */
  async purgeExpired(now = new Date()): Promise<number> {
    const rows = await this.#db
      .delete(revokedTokens)
      .where(lt(revokedTokens.expiresAt, now))
      .returning({ tokenId: revokedTokens.tokenId });
    return rows.length;
  }
}
