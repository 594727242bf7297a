/**
 * The one policy for access to a recording. Every route that touches a
 * recording asks `recordingAccessLevel` (through RecordingAccess) and
 * nothing else decides. Levels, weakest first, each including the ones
 * before it:
 *
 *   view      metadata, thumbnail, playback
 *   download  also the file
 *   share     also share onward, never more than they hold
 *   manage    also edit, delete, stop, read its audit trail
 *
 * Who holds what: admins and the recording's starter and room owner
 * `manage`; a share gives its permission to one user, or to every member of
 * the recording's room with a role (`student`: the class). The highest grant
 * wins. Anyone else holds nothing, and is answered exactly as if the
 * recording did not exist.
 */
import { accessLevels, type AccessLevel } from '#protocol/rest/recordings';
import type { RoomMemberRole, SharePermission, UserRole } from '#db/schema';

export type { AccessLevel };

export interface AccessSubject {
  userId: string;
  role: UserRole;
}

/** What the policy needs to know about one recording and one caller. */
export interface RecordingAccessFacts {
  recording: { startedBy: string; roomId: string };
  /** Owner of the recording's room (null: the room record is gone). */
  roomOwnerId: string | null;
  /** The caller's member role in the recording's room, if any. */
  memberRole: RoomMemberRole | null;
  /** The recording's shares that name the caller or a role. */
  shares: ReadonlyArray<{
    sharedWithUserId: string | null;
    sharedWithRole: RoomMemberRole | null;
    permission: SharePermission;
  }>;
}

const rank: Record<AccessLevel, number> = Object.fromEntries(
  accessLevels.map((level, index) => [level, index]),
) as Record<AccessLevel, number>;

/** True when `held` includes `needed`. */
export function includesLevel(held: AccessLevel | null, needed: AccessLevel): boolean {
  return held !== null && rank[held] >= rank[needed];
}

function higher(a: AccessLevel | null, b: AccessLevel): AccessLevel {
  return a === null || rank[b] > rank[a] ? b : a;
}

/** The caller's level on the recording, or null for none. */
export function recordingAccessLevel(
  subject: AccessSubject,
  facts: RecordingAccessFacts,
): AccessLevel | null {
  if (subject.role === 'admin') return 'manage';
  if (facts.recording.startedBy === subject.userId) return 'manage';
  if (facts.roomOwnerId !== null && facts.roomOwnerId === subject.userId) return 'manage';
  let level: AccessLevel | null = null;
  for (const share of facts.shares) {
    const applies =
      share.sharedWithUserId === subject.userId ||
      (share.sharedWithRole !== null && share.sharedWithRole === facts.memberRole);
    if (applies) level = higher(level, share.permission);
  }
  return level;
}

/**
 * Whether a caller holding `held` may grant `permission` through a share:
 * `share` or `manage` is needed, and nobody grants more than they hold.
 */
export function canGrant(held: AccessLevel | null, permission: SharePermission): boolean {
  return includesLevel(held, 'share') && includesLevel(held, permission);
}

/**
 * Whether a caller may change or revoke an existing share: `manage` may
 * change any; `share` only those it granted itself.
 */
export function canChangeShare(
  held: AccessLevel | null,
  subject: AccessSubject,
  share: { sharedBy: string },
): boolean {
  if (includesLevel(held, 'manage')) return true;
  return includesLevel(held, 'share') && share.sharedBy === subject.userId;
}
