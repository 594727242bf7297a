/**
 * The one policy for rooms: who may see, join, record in and manage a room.
 *
 *   join    the owner, its members, admins; in an `open` room every signed-in user
 *   record  the owner, its instructor members, admins
 *   manage  the owner and admins (title, access, members; sees the member list)
 *
 * Anyone who may not join a room is told it does not exist (no existence leak).
 * Recorder bots join through their recording's token, not through here.
 */
import type { RoomAccess, RoomMemberRole, UserRole } from '#db/schema';
import type { AccessSubject } from './recordingPolicy';

export interface RoomFacts {
  ownerId: string;
  access: RoomAccess;
}

export interface RoomPermissions {
  join: boolean;
  record: boolean;
  manage: boolean;
}

export function roomPermissions(
  subject: AccessSubject,
  room: RoomFacts,
  memberRole: RoomMemberRole | null,
): RoomPermissions {
  const admin = subject.role === 'admin';
  const owner = room.ownerId === subject.userId;
  const manage = admin || owner;
  return {
    manage,
    join: manage || memberRole !== null || room.access === 'open',
    record: manage || memberRole === 'instructor',
  };
}

/** Who may create a room (and so own one): instructors and admins. */
export function canCreateRoom(role: UserRole): boolean {
  return role === 'instructor' || role === 'admin';
}
