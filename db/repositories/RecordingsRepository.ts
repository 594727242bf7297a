import {
  and,
  asc,
  count,
  desc,
  eq,
  exists,
  gte,
  ilike,
  inArray,
  isNull,
  lt,
  lte,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { Database } from '../client';
import {
  recordingParticipants,
  recordingSharing,
  recordings,
  roomMembers,
  rooms,
  users,
  type RecordingParticipantRow,
  type RecordingRow,
  type RecordingStatus,
  type UserRole,
} from '../schema';
import { isUniqueViolation } from './UsersRepository';
import {
  activeStatuses,
  canTransition,
  sourcesOf,
  terminalStatuses,
  unfinishedStatuses,
} from '../../protocol/recordingLifecycle';

export interface NewRecording {
  roomId: string;
  title: string;
  description?: string | null;
  startedBy: string;
  metadata?: Record<string, unknown>;
  /** The server that will run it, and until when its lease holds. */
  nodeId?: string | null;
  leaseExpiresAt?: Date | null;
}

export interface ListRecordingsFilter {
  roomId?: string | undefined;
  status?: RecordingStatus | undefined;
  /** Words searched in the title and description (case-insensitive). */
  q?: string | undefined;
  /** Created at or after / at or before. */
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  offset: number;
}

/** Whose library is listed: everything (admins) or what one user may view. */
export type RecordingViewer = { all: true } | { all: false; userId: string };

/** Thrown when the room already has a pending or recording recording. */
export class ActiveRecordingExistsError extends Error {
  constructor(roomId: string) {
    super(`room ${roomId} already has an active recording`);
    this.name = 'ActiveRecordingExistsError';
  }
}

export type RecordingPatch = Partial<
  Omit<RecordingRow, 'id' | 'roomId' | 'startedBy' | 'createdAt' | 'status'>
>;

/** Bytes a recording takes: what its finished files store, or what its slices wrote so far. */
const recordingBytes = sql`coalesce(${recordings.storedBytes}, ${recordings.fileSize}, 0)`;
const totalBytes = sql<string>`coalesce(sum(${recordingBytes}), 0)`;

/** Reads and writes `recordings` and `recording_participants`. */
export class RecordingsRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(input: NewRecording): Promise<RecordingRow> {
    try {
      const [row] = await this.#db
        .insert(recordings)
        .values({
          roomId: input.roomId,
          title: input.title,
          description: input.description ?? null,
          startedBy: input.startedBy,
          metadata: input.metadata ?? {},
          nodeId: input.nodeId ?? null,
          leaseExpiresAt: input.leaseExpiresAt ?? null,
        })
        .returning();
      return row!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new ActiveRecordingExistsError(input.roomId);
      throw error;
    }
  }

  /** A recording that is not soft-deleted (unless `includeDeleted`). */
  async findById(id: string, { includeDeleted = false } = {}): Promise<RecordingRow | undefined> {
    const where = includeDeleted
      ? eq(recordings.id, id)
      : and(eq(recordings.id, id), isNull(recordings.deletedAt));
    const [row] = await this.#db.select().from(recordings).where(where).limit(1);
    return row;
  }

  /** The recordings with these ids (deleted ones included), in no particular order. */
  async findByIds(ids: readonly string[]): Promise<RecordingRow[]> {
    if (ids.length === 0) return [];
    return this.#db
      .select()
      .from(recordings)
      .where(inArray(recordings.id, [...ids]));
  }

  /** Recordings pending or recording, on every server sharing this database. */
  async countActive(): Promise<number> {
    const [row] = await this.#db
      .select({ n: count() })
      .from(recordings)
      .where(and(inArray(recordings.status, [...activeStatuses]), isNull(recordings.deletedAt)));
    return row?.n ?? 0;
  }

  async findActiveByRoom(roomId: string): Promise<RecordingRow | undefined> {
    const [row] = await this.#db
      .select()
      .from(recordings)
      .where(
        and(
          eq(recordings.roomId, roomId),
          inArray(recordings.status, [...activeStatuses]),
          isNull(recordings.deletedAt),
        ),
      )
      .limit(1);
    return row;
  }

  /**
   * Recordings newest first. With a user viewer, only those the access policy
   * (server/src/access/recordingPolicy.ts) gives them a level on: every grant
   * there is at least `view`, so this is the SQL form of "level is not null".
   * The authorization matrix test holds the two together.
   */
  async list(
    filter: ListRecordingsFilter,
    viewer: RecordingViewer = { all: true },
  ): Promise<{ items: RecordingRow[]; total: number }> {
    const conditions: SQL[] = [isNull(recordings.deletedAt)];
    if (filter.roomId) conditions.push(eq(recordings.roomId, filter.roomId));
    if (filter.status) conditions.push(eq(recordings.status, filter.status));
    if (filter.from) conditions.push(gte(recordings.createdAt, filter.from));
    if (filter.to) conditions.push(lte(recordings.createdAt, filter.to));
    for (const word of (filter.q ?? '').split(/\s+/).filter(Boolean).slice(0, 8)) {
      const pattern = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      conditions.push(
        or(ilike(recordings.title, pattern), ilike(recordings.description, pattern))!,
      );
    }
    if (!viewer.all) conditions.push(this.#visibleTo(viewer.userId));
    const where = and(...conditions);
    const [items, [totalRow]] = await Promise.all([
      this.#db
        .select()
        .from(recordings)
        .where(where)
        .orderBy(desc(recordings.createdAt), desc(recordings.id))
        .limit(filter.limit)
        .offset(filter.offset),
      this.#db.select({ total: count() }).from(recordings).where(where),
    ]);
    return { items, total: totalRow?.total ?? 0 };
  }

  #visibleTo(userId: string): SQL {
    const db = this.#db;
    const ownsRoom = exists(
      db
        .select({ one: sql`1` })
        .from(rooms)
        .where(and(eq(rooms.id, recordings.roomId), eq(rooms.ownerId, userId))),
    );
    const memberWithSharedRole = exists(
      db
        .select({ one: sql`1` })
        .from(roomMembers)
        .where(
          and(
            eq(roomMembers.roomId, recordings.roomId),
            eq(roomMembers.userId, userId),
            eq(roomMembers.role, recordingSharing.sharedWithRole),
          ),
        ),
    );
    const shared = exists(
      db
        .select({ one: sql`1` })
        .from(recordingSharing)
        .where(
          and(
            eq(recordingSharing.recordingId, recordings.id),
            or(eq(recordingSharing.sharedWithUserId, userId), memberWithSharedRole),
          ),
        ),
    );
    return or(eq(recordings.startedBy, userId), ownsRoom, shared)!;
  }

  /**
   * Moves a recording to `to`, with `patch`, atomically, from any state the
   * lifecycle table allows (or only from `from`, which must be a subset of
   * those). Returns undefined when the recording was in none of them (a
   * concurrent transition won), so callers never overwrite a newer state.
   */
  async transition(
    id: string,
    to: RecordingStatus,
    patch: RecordingPatch = {},
    { from = sourcesOf(to) }: { from?: readonly RecordingStatus[] } = {},
  ): Promise<RecordingRow | undefined> {
    const illegal = from.filter((f) => !canTransition(f, to));
    if (illegal.length > 0) {
      throw new Error(`the recording lifecycle forbids ${illegal.join(', ')} → ${to}`);
    }
    if (from.length === 0) return undefined;
    const [row] = await this.#db
      .update(recordings)
      .set({ ...patch, status: to })
      .where(and(eq(recordings.id, id), inArray(recordings.status, [...from])))
      .returning();
    return row;
  }

  async update(id: string, patch: RecordingPatch): Promise<RecordingRow | undefined> {
    const [row] = await this.#db
      .update(recordings)
      .set(patch)
      .where(eq(recordings.id, id))
      .returning();
    return row;
  }

  /** Merges keys into `metadata` without reading it first. */
  async mergeMetadata(id: string, extra: Record<string, unknown>): Promise<void> {
    await this.#db
      .update(recordings)
      .set({ metadata: sql`${recordings.metadata} || ${JSON.stringify(extra)}::jsonb` })
      .where(eq(recordings.id, id));
  }

  async softDelete(id: string, at: Date): Promise<RecordingRow | undefined> {
    const [row] = await this.#db
      .update(recordings)
      .set({ deletedAt: at })
      .where(and(eq(recordings.id, id), isNull(recordings.deletedAt)))
      .returning();
    return row;
  }

  /** Finished (ready or failed), not deleted, created before `before`: oldest first. */
  async findExpired(before: Date, limit: number): Promise<RecordingRow[]> {
    return this.#db
      .select()
      .from(recordings)
      .where(
        and(
          inArray(recordings.status, [...terminalStatuses]),
          isNull(recordings.deletedAt),
          lt(recordings.createdAt, before),
        ),
      )
      .orderBy(asc(recordings.createdAt))
      .limit(limit);
  }

  /**
   * Marks a recording corrupted (checked at `at`); true only for the call
   * that changed it, so that one mismatch is reported once however many
   * checks find it at the same time.
   */
  async markCorrupted(id: string, at: Date): Promise<boolean> {
    const changed = await this.#db
      .update(recordings)
      .set({ integrity: 'corrupted', verifiedAt: at })
      .where(and(eq(recordings.id, id), sql`${recordings.integrity} <> 'corrupted'`))
      .returning({ id: recordings.id });
    if (changed.length > 0) return true;
    await this.#db.update(recordings).set({ verifiedAt: at }).where(eq(recordings.id, id));
    return false;
  }

  /** Ready recordings, least recently verified first (never verified before all others). */
  async findForScrub(limit: number): Promise<RecordingRow[]> {
    return this.#db
      .select()
      .from(recordings)
      .where(and(eq(recordings.status, 'ready'), isNull(recordings.deletedAt)))
      .orderBy(sql`${recordings.verifiedAt} asc nulls first`, asc(recordings.createdAt))
      .limit(limit);
  }

  /**
   * Bytes the files of `ownerId`'s recordings take (finished ones by what
   * they store, unfinished ones by what their slices wrote so far).
   */
  async bytesOwnedBy(ownerId: string): Promise<number> {
    const [row] = await this.#db
      .select({ bytes: totalBytes })
      .from(recordings)
      .where(and(eq(recordings.startedBy, ownerId), isNull(recordings.deletedAt)));
    return Number(row?.bytes ?? 0);
  }

  /** What the recordings take, per room, per owner, and the largest ones (not deleted). */
  async storageUsage(largest: number): Promise<{
    byRoom: Array<{ roomId: string; bytes: number; recordings: number }>;
    byOwner: Array<{ userId: string; fullName: string | null; bytes: number; recordings: number }>;
    largest: RecordingRow[];
    total: { bytes: number; recordings: number; local: number; s3: number };
  }> {
    const bytes = totalBytes;
    const live = isNull(recordings.deletedAt);
    const byRoom = await this.#db
      .select({ roomId: recordings.roomId, bytes, recordings: count() })
      .from(recordings)
      .where(live)
      .groupBy(recordings.roomId)
      .orderBy(desc(bytes));
    const byOwner = await this.#db
      .select({
        userId: recordings.startedBy,
        fullName: users.fullName,
        bytes,
        recordings: count(),
      })
      .from(recordings)
      .leftJoin(users, eq(users.id, recordings.startedBy))
      .where(live)
      .groupBy(recordings.startedBy, users.fullName)
      .orderBy(desc(bytes));
    const top = await this.#db
      .select()
      .from(recordings)
      .where(live)
      .orderBy(desc(recordingBytes))
      .limit(largest);
    const [totals] = await this.#db
      .select({
        bytes,
        recordings: count(),
        local: sql<string>`count(*) filter (where ${recordings.storage} = 'local')`,
        s3: sql<string>`count(*) filter (where ${recordings.storage} = 's3')`,
      })
      .from(recordings)
      .where(live);
    return {
      byRoom: byRoom.map((r) => ({ ...r, bytes: Number(r.bytes) })),
      byOwner: byOwner.map((r) => ({ ...r, bytes: Number(r.bytes) })),
      largest: top,
      total: {
        bytes: Number(totals?.bytes ?? 0),
        recordings: totals?.recordings ?? 0,
        local: Number(totals?.local ?? 0),
        s3: Number(totals?.s3 ?? 0),
      },
    };
  }

  /** Extends the leases `nodeId` holds on these recordings to `until`. */
  async renewLeases(nodeId: string, ids: readonly string[], until: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.#db
      .update(recordings)
      .set({ leaseExpiresAt: until })
      .where(and(eq(recordings.nodeId, nodeId), inArray(recordings.id, [...ids])))
      .returning({ id: recordings.id });
    return rows.length;
  }

  /**
   * Claims, for `nodeId` until `until`, every unfinished recording whose
   * lease has lapsed (its server died) or that never had one — and with
   * `includeOwn`, those `nodeId` itself holds (a restarted server's) — in
   * one statement: two servers recovering at once never get the same one.
   */
  async claimLapsed(
    nodeId: string,
    until: Date,
    { includeOwn = false, now = new Date() }: { includeOwn?: boolean; now?: Date } = {},
  ): Promise<RecordingRow[]> {
    const claimable = [isNull(recordings.leaseExpiresAt), lt(recordings.leaseExpiresAt, now)];
    if (includeOwn) claimable.push(eq(recordings.nodeId, nodeId));
    return this.#db
      .update(recordings)
      .set({ nodeId, leaseExpiresAt: until })
      .where(
        and(
          inArray(recordings.status, [...unfinishedStatuses]),
          isNull(recordings.deletedAt),
          or(...claimable),
        ),
      )
      .returning();
  }

  async participantJoined(p: {
    recordingId: string;
    peerId: string;
    userId: string | null;
    fullName: string;
    role: UserRole;
    joinedAt: Date;
  }): Promise<void> {
    await this.#db
      .insert(recordingParticipants)
      .values({ ...p, leftAt: null })
      .onConflictDoNothing();
  }

  async participantLeft(recordingId: string, peerId: string, leftAt: Date): Promise<void> {
    await this.#db
      .update(recordingParticipants)
      .set({ leftAt })
      .where(
        and(
          eq(recordingParticipants.recordingId, recordingId),
          eq(recordingParticipants.peerId, peerId),
          isNull(recordingParticipants.leftAt),
        ),
      );
  }

  /** Closes every open participant row of a recording (at stop). */
  async closeParticipants(recordingId: string, leftAt: Date): Promise<void> {
    await this.#db
      .update(recordingParticipants)
      .set({ leftAt })
      .where(
        and(
          eq(recordingParticipants.recordingId, recordingId),
          isNull(recordingParticipants.leftAt),
        ),
      );
  }

  async listParticipants(recordingId: string): Promise<RecordingParticipantRow[]> {
    return this.#db
      .select()
      .from(recordingParticipants)
      .where(eq(recordingParticipants.recordingId, recordingId))
      .orderBy(recordingParticipants.joinedAt);
  }
}
