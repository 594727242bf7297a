import { and, asc, count, desc, eq, exists, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import {
  roomMembers,
  rooms,
  users,
  type RoomAccess,
  type RoomMemberRole,
  type RoomRow,
} from '../schema';
import { isUniqueViolation } from './UsersRepository';

export interface NewRoom {
  id: string;
  title: string;
  ownerId: string;
  access?: RoomAccess;
}

/** Thrown when a room id is taken. */
export class RoomExistsError extends Error {
  constructor(roomId: string) {
    super(`room ${roomId} already exists`);
    this.name = 'RoomExistsError';
  }
}

export interface RoomMemberView {
  userId: string;
  email: string;
  fullName: string;
  role: RoomMemberRole;
  addedAt: Date;
}

export interface RoomWithCount extends RoomRow {
  memberCount: number;
}

/** Reads and writes `rooms` and `room_members`. */
export class RoomsRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(input: NewRoom): Promise<RoomRow> {
    try {
      const [row] = await this.#db
        .insert(rooms)
        .values({ ...input, access: input.access ?? 'members' })
        .returning();
      return row!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new RoomExistsError(input.id);
      throw error;
    }
  }

  /** The room, creating it owned by `ownerId` if it does not exist; `created` says which. */
  async ensure(input: NewRoom): Promise<{ room: RoomRow; created: boolean }> {
    const [inserted] = await this.#db
      .insert(rooms)
      .values({ ...input, access: input.access ?? 'members' })
      .onConflictDoNothing({ target: rooms.id })
      .returning();
    if (inserted) return { room: inserted, created: true };
    const existing = await this.findById(input.id);
    if (!existing) throw new Error(`room ${input.id} vanished while being ensured`);
    return { room: existing, created: false };
  }

  async findById(id: string): Promise<RoomRow | undefined> {
    const [row] = await this.#db.select().from(rooms).where(eq(rooms.id, id)).limit(1);
    return row;
  }

  async findByIds(ids: readonly string[]): Promise<RoomRow[]> {
    if (ids.length === 0) return [];
    return this.#db
      .select()
      .from(rooms)
      .where(inArray(rooms.id, [...ids]));
  }

  async update(
    id: string,
    patch: { title?: string | undefined; access?: RoomAccess | undefined },
  ): Promise<RoomRow | undefined> {
    const set: Partial<RoomRow> = { updatedAt: new Date() };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.access !== undefined) set.access = patch.access;
    const [row] = await this.#db.update(rooms).set(set).where(eq(rooms.id, id)).returning();
    return row;
  }

  /**
   * Rooms `userId` owns or is a member of (all rooms when `all`), newest
   * first, with their member counts.
   */
  async listFor(
    userId: string,
    { all = false, limit, offset }: { all?: boolean; limit: number; offset: number },
  ): Promise<{ items: RoomWithCount[]; total: number }> {
    const where: SQL | undefined = all
      ? undefined
      : or(
          eq(rooms.ownerId, userId),
          exists(
            this.#db
              .select({ one: sql`1` })
              .from(roomMembers)
              .where(and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, userId))),
          ),
        );
    const memberCount = sql<number>`(select count(*)::int from ${roomMembers} where ${roomMembers.roomId} = ${rooms.id})`;
    const [items, [totalRow]] = await Promise.all([
      this.#db
        .select({ room: rooms, memberCount })
        .from(rooms)
        .where(where)
        .orderBy(desc(rooms.createdAt), asc(rooms.id))
        .limit(limit)
        .offset(offset),
      this.#db.select({ total: count() }).from(rooms).where(where),
    ]);
    return {
      items: items.map(({ room, memberCount: n }) => ({ ...room, memberCount: Number(n) })),
      total: totalRow?.total ?? 0,
    };
  }

  /** Adds a member, or changes the role of one already there. */
  async upsertMember(input: {
    roomId: string;
    userId: string;
    role: RoomMemberRole;
    addedBy: string;
  }): Promise<{ created: boolean }> {
    const [row] = await this.#db
      .insert(roomMembers)
      .values(input)
      .onConflictDoUpdate({
        target: [roomMembers.roomId, roomMembers.userId],
        set: { role: input.role },
      })
      // xmax = 0 only on a freshly inserted row: tells insert from update in one statement.
      .returning({ inserted: sql<boolean>`(xmax = 0)` });
    return { created: Boolean(row?.inserted) };
  }

  async removeMember(roomId: string, userId: string): Promise<boolean> {
    const removed = await this.#db
      .delete(roomMembers)
      .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
      .returning({ userId: roomMembers.userId });
    return removed.length > 0;
  }

  async listMembers(roomId: string): Promise<RoomMemberView[]> {
    return this.#db
      .select({
        userId: roomMembers.userId,
        email: users.email,
        fullName: users.fullName,
        role: roomMembers.role,
        addedAt: roomMembers.addedAt,
      })
      .from(roomMembers)
      .innerJoin(users, eq(users.id, roomMembers.userId))
      .where(eq(roomMembers.roomId, roomId))
      .orderBy(asc(users.fullName), asc(users.email));
  }

  /** `userId`'s member role in each of `roomIds` where they are a member. */
  async membershipsOf(
    userId: string,
    roomIds: readonly string[],
  ): Promise<Map<string, RoomMemberRole>> {
    if (roomIds.length === 0) return new Map();
    const rows = await this.#db
      .select({ roomId: roomMembers.roomId, role: roomMembers.role })
      .from(roomMembers)
      .where(and(eq(roomMembers.userId, userId), inArray(roomMembers.roomId, [...roomIds])));
    return new Map(rows.map((r) => [r.roomId, r.role]));
  }

  /** User ids of the members of a room with one of `roles`. */
  async memberIds(roomId: string, roles?: readonly RoomMemberRole[]): Promise<string[]> {
    const conditions = [eq(roomMembers.roomId, roomId)];
    if (roles) conditions.push(inArray(roomMembers.role, [...roles]));
    const rows = await this.#db
      .select({ userId: roomMembers.userId })
      .from(roomMembers)
      .where(and(...conditions));
    return rows.map((r) => r.userId);
  }
}
