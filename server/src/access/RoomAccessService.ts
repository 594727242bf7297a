/**
 * Applies the room policy to the database's rooms: what a caller may do in
 * a room, and the one way a room comes to exist when an instructor enters it.
 */
import type { RoomsRepository } from '#db/repositories/RoomsRepository';
import type { RoomMemberRole, RoomRow } from '#db/schema';
import { ForbiddenError, NotFoundError } from '../errors';
import type { AccessSubject } from './recordingPolicy';
import { canCreateRoom, roomPermissions, type RoomPermissions } from './roomPolicy';

export interface RoomForCaller {
  room: RoomRow;
  memberRole: RoomMemberRole | null;
  permissions: RoomPermissions;
}

/** Said for a room that does not exist and for one the caller may not enter alike. */
export const ROOM_NOT_YOURS = 'this room does not exist or you are not a member of it';

export class RoomAccessService {
  readonly #rooms: RoomsRepository;

  constructor(rooms: RoomsRepository) {
    this.#rooms = rooms;
  }

  /** The room with the caller's permissions, or undefined when it does not exist. */
  async describe(subject: AccessSubject, roomId: string): Promise<RoomForCaller | undefined> {
    const room = await this.#rooms.findById(roomId);
    if (!room) return undefined;
    const memberRole =
      (await this.#rooms.membershipsOf(subject.userId, [roomId])).get(roomId) ?? null;
    return { room, memberRole, permissions: roomPermissions(subject, room, memberRole) };
  }

  /** The room if the caller may join it; 404 otherwise (exists or not). */
  async requireVisible(subject: AccessSubject, roomId: string): Promise<RoomForCaller> {
    const found = await this.describe(subject, roomId);
    if (!found?.permissions.join) throw new NotFoundError(ROOM_NOT_YOURS);
    return found;
  }

  /** The room if the caller manages it: 404 when they may not even see it, 403 when they only may. */
  async requireManage(subject: AccessSubject, roomId: string): Promise<RoomForCaller> {
    const found = await this.requireVisible(subject, roomId);
    if (!found.permissions.manage) {
      throw new ForbiddenError('only the room’s owner or an admin may manage its members');
    }
    return found;
  }

  /**
   * For a socket join: the room if the caller may join it. An instructor or
   * admin entering a room that does not exist creates it and owns it; anyone
   * else is refused with the same words whether it exists or not.
   */
  async admitToJoin(
    subject: AccessSubject,
    roomId: string,
  ): Promise<{ room: RoomForCaller; created: boolean }> {
    const found = await this.describe(subject, roomId);
    if (found) {
      if (!found.permissions.join) throw new ForbiddenError(ROOM_NOT_YOURS);
      return { room: found, created: false };
    }
    if (!canCreateRoom(subject.role)) throw new ForbiddenError(ROOM_NOT_YOURS);
    const { room, created } = await this.#rooms.ensure({
      id: roomId,
      title: roomId,
      ownerId: subject.userId,
    });
    const memberRole = created
      ? null
      : ((await this.#rooms.membershipsOf(subject.userId, [roomId])).get(roomId) ?? null);
    const permissions = roomPermissions(subject, room, memberRole);
    if (!permissions.join) throw new ForbiddenError(ROOM_NOT_YOURS);
    return { room: { room, memberRole, permissions }, created };
  }

  /** For a recording start: 404 for a room the caller cannot see or that does not exist, 403 without `record`. */
  async requireRecord(subject: AccessSubject, roomId: string): Promise<RoomForCaller> {
    const found = await this.describe(subject, roomId);
    if (!found) throw new NotFoundError('room not found');
    if (!found.permissions.record) {
      throw new ForbiddenError('only the room’s owner, its instructors and admins may record it');
    }
    return found;
  }
}
