import { and, asc, eq, inArray, isNotNull, or, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../client';
import {
  recordingSharing,
  users,
  type RoomMemberRole,
  type SharePermission,
  type ShareRow,
} from '../schema';
import { isUniqueViolation } from './UsersRepository';

export type ShareGrantee = { userId: string } | { role: RoomMemberRole };

export interface ShareView extends ShareRow {
  user: { id: string; email: string; fullName: string } | null;
  sharer: { id: string; email: string; fullName: string } | null;
}

/** Reads and writes `recording_sharing`: one row per recording and grantee. */
export class SharesRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Creates the share, or changes the permission of the grantee's existing one. */
  async upsert(input: {
    recordingId: string;
    grantee: ShareGrantee;
    permission: SharePermission;
    sharedBy: string;
  }): Promise<{ share: ShareRow; created: boolean }> {
    const existing = await this.findForGrantee(input.recordingId, input.grantee);
    if (existing) {
      const [row] = await this.#db
        .update(recordingSharing)
        .set({ permission: input.permission, sharedBy: input.sharedBy, sharedAt: new Date() })
        .where(eq(recordingSharing.id, existing.id))
        .returning();
      return { share: row!, created: false };
    }
    try {
      const [row] = await this.#db
        .insert(recordingSharing)
        .values({
          recordingId: input.recordingId,
          sharedWithUserId: 'userId' in input.grantee ? input.grantee.userId : null,
          sharedWithRole: 'role' in input.grantee ? input.grantee.role : null,
          permission: input.permission,
          sharedBy: input.sharedBy,
        })
        .returning();
      return { share: row!, created: true };
    } catch (error) {
      // A concurrent share to the same grantee won the insert: change that one instead.
      if (isUniqueViolation(error)) return this.upsert(input);
      throw error;
    }
  }

  async findForGrantee(recordingId: string, grantee: ShareGrantee): Promise<ShareRow | undefined> {
    const target =
      'userId' in grantee
        ? eq(recordingSharing.sharedWithUserId, grantee.userId)
        : eq(recordingSharing.sharedWithRole, grantee.role);
    const [row] = await this.#db
      .select()
      .from(recordingSharing)
      .where(and(eq(recordingSharing.recordingId, recordingId), target))
      .limit(1);
    return row;
  }

  async findById(recordingId: string, shareId: string): Promise<ShareRow | undefined> {
    const [row] = await this.#db
      .select()
      .from(recordingSharing)
      .where(and(eq(recordingSharing.id, shareId), eq(recordingSharing.recordingId, recordingId)))
      .limit(1);
    return row;
  }

  async delete(recordingId: string, shareId: string): Promise<boolean> {
    const rows = await this.#db
      .delete(recordingSharing)
      .where(and(eq(recordingSharing.id, shareId), eq(recordingSharing.recordingId, recordingId)))
      .returning({ id: recordingSharing.id });
    return rows.length > 0;
  }

  /** A recording's shares with the grantee and sharer named, users first. */
  async listForRecording(recordingId: string): Promise<ShareView[]> {
    const grantee = alias(users, 'grantee');
    const sharer = alias(users, 'sharer');
    const rows = await this.#db
      .select({ share: recordingSharing, grantee, sharer })
      .from(recordingSharing)
      .leftJoin(grantee, eq(grantee.id, recordingSharing.sharedWithUserId))
      .leftJoin(sharer, eq(sharer.id, recordingSharing.sharedBy))
      .where(eq(recordingSharing.recordingId, recordingId))
      .orderBy(asc(recordingSharing.sharedAt), asc(recordingSharing.id));
    return rows.map((r) => ({
      ...r.share,
      user: r.grantee ? pick(r.grantee) : null,
      sharer: r.sharer ? pick(r.sharer) : null,
    }));
  }

  /**
   * The shares of `recordingIds` that can apply to a user: given to them
   * directly, or to any room role (the policy decides whether the role fits).
   */
  async applicableTo(userId: string, recordingIds: readonly string[]): Promise<ShareRow[]> {
    if (recordingIds.length === 0) return [];
    const grantee: SQL = or(
      eq(recordingSharing.sharedWithUserId, userId),
      isNotNull(recordingSharing.sharedWithRole),
    )!;
    return this.#db
      .select()
      .from(recordingSharing)
      .where(and(inArray(recordingSharing.recordingId, [...recordingIds]), grantee));
  }

  /** Users given a direct share, and the roles shared with, for one recording. */
  async granteesOf(recordingId: string): Promise<{ userIds: string[]; roles: RoomMemberRole[] }> {
    const rows = await this.#db
      .select({
        userId: recordingSharing.sharedWithUserId,
        role: recordingSharing.sharedWithRole,
      })
      .from(recordingSharing)
      .where(eq(recordingSharing.recordingId, recordingId));
    return {
      userIds: rows.flatMap((r) => (r.userId ? [r.userId] : [])),
      roles: rows.flatMap((r) => (r.role ? [r.role] : [])),
    };
  }
}

function pick(u: { id: string; email: string; fullName: string }) {
  return { id: u.id, email: u.email, fullName: u.fullName };
}
