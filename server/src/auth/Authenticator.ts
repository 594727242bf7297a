/**
 * Turns a bearer token into a principal that reflects the database: a user
 * token is accepted only while it is not revoked (signed out) and its
 * account exists, and the role, name and email come from the account, not
 * the token. Both answers are cached for a few seconds (AUTH_CACHE_SECONDS,
 * at most 30) so a busy page costs no query per request; changes made
 * through this process drop the cache at once, other processes see them
 * within the cache time.
 */
import { LRUCache } from 'lru-cache';
import type { UsersRepository } from '#db/repositories/UsersRepository';
import type { RevokedTokensRepository } from '#db/repositories/RevokedTokensRepository';
import type { UserRow } from '#db/schema';
import { UnauthorizedError } from '../errors';
import type { Principal, TokenService, UserPrincipal } from './tokens';

const CACHE_ENTRIES = 10_000;

export interface AuthenticatorOptions {
  tokens: TokenService;
  users: UsersRepository;
  revokedTokens: RevokedTokensRepository;
  cacheSeconds: number;
}

export class Authenticator {
  readonly #tokens: TokenService;
  readonly #users: UsersRepository;
  readonly #revoked: RevokedTokensRepository;
  /** Account by id; `null` caches "no such account" too. */
  readonly #accounts: LRUCache<string, { row: UserRow | null }> | undefined;
  readonly #revocations: LRUCache<string, { revoked: boolean }> | undefined;

  constructor({ tokens, users, revokedTokens, cacheSeconds }: AuthenticatorOptions) {
    this.#tokens = tokens;
    this.#users = users;
    this.#revoked = revokedTokens;
    if (cacheSeconds > 0) {
      const ttl = cacheSeconds * 1000;
      this.#accounts = new LRUCache({ max: CACHE_ENTRIES, ttl });
      this.#revocations = new LRUCache({ max: CACHE_ENTRIES, ttl });
    }
  }

  /** Verifies the token and, for a user, checks revocation and re-reads the account. */
  async authenticate(token: string): Promise<Principal> {
    const principal = this.#tokens.verify(token);
    if (principal.kind !== 'user') return principal;
    if (await this.#isRevoked(principal.tokenId)) throw new UnauthorizedError('token revoked');
    const account = await this.#account(principal.userId);
    if (!account) throw new UnauthorizedError('account no longer exists');
    return { ...principal, role: account.role, name: account.fullName, email: account.email };
  }

  /** The account as it is now (cached), or null when it does not exist or was deleted. */
  async currentAccount(userId: string): Promise<UserRow | null> {
    return this.#account(userId);
  }

  /** Signs a token out for good (until it would have expired anyway). */
  async revoke(principal: UserPrincipal): Promise<void> {
    await this.#revoked.revoke({
      tokenId: principal.tokenId,
      userId: principal.userId,
      expiresAt: principal.expiresAt,
    });
    this.#revocations?.set(principal.tokenId, { revoked: true });
  }

  /** Drops what is cached about an account (after a role change or deletion here). */
  forgetUser(userId: string): void {
    this.#accounts?.delete(userId);
  }

  async #account(userId: string): Promise<UserRow | null> {
    const cached = this.#accounts?.get(userId);
    if (cached) return cached.row;
    const row = (await this.#users.findById(userId)) ?? null;
    this.#accounts?.set(userId, { row });
    return row;
  }

  async #isRevoked(tokenId: string): Promise<boolean> {
    const cached = this.#revocations?.get(tokenId);
    if (cached) return cached.revoked;
    const revoked = await this.#revoked.isRevoked(tokenId);
    this.#revocations?.set(tokenId, { revoked });
    return revoked;
  }
}
