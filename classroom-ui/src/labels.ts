/**
 * Words for the REST contract's enumerations. Each table is typed by the
 * contract's own union (type-only imports, so zod stays out of the bundle):
 * a value added to or removed from protocol/rest fails the build here.
 */
import type { RecordingLayout } from '#protocol/layout';
import type { AuditAction } from '#protocol/rest/audit';
import type {
  AccessLevel,
  RecordingStatusName,
  SharePermissionName,
} from '#protocol/rest/recordings';
import type { RoomAccessMode, RoomMemberRoleName } from '#protocol/rest/rooms';

export const statusLabels = {
  pending: 'Starting',
  recording: 'Recording',
  stopped: 'Stopped',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
} as const satisfies Record<RecordingStatusName, string>;

export const recordingStatuses = Object.keys(statusLabels) as RecordingStatusName[];

/** Weakest first, as in the policy: each level includes the ones before it. */
const accessRank = { view: 0, download: 1, share: 2, manage: 3 } as const satisfies Record<
  AccessLevel,
  number
>;

export const accessLabels = {
  view: 'Can view',
  download: 'Can download',
  share: 'Can share',
  manage: 'Manager',
} as const satisfies Record<AccessLevel, string>;

export const permissionLabels = {
  view: 'View',
  download: 'View and download',
  share: 'View, download and share',
} as const satisfies Record<SharePermissionName, string>;

export const sharePermissions = Object.keys(permissionLabels) as SharePermissionName[];

/** In the picker's order: the default first. */
export const layoutLabels = {
  auto: 'Automatic (presentation when a screen is shared)',
  grid: 'Grid',
  speaker: 'Active speaker',
  presentation: 'Presentation',
} as const satisfies Record<RecordingLayout, string>;

export const recordingLayouts = Object.keys(layoutLabels) as RecordingLayout[];

/** Narrows a `<select>`'s value to a layout this build knows. */
export function isRecordingLayout(value: string): value is RecordingLayout {
  return Object.hasOwn(layoutLabels, value);
}

export const roomAccessLabels = {
  members: 'Members only',
  open: 'Open to everyone signed in',
} as const satisfies Record<RoomAccessMode, string>;

export const memberRoleLabels = {
  student: 'Student',
  instructor: 'Instructor',
} as const satisfies Record<RoomMemberRoleName, string>;

export const auditActionLabels = {
  'user.login': 'Signed in',
  'user.login_failed': 'Sign-in failed',
  'user.logout': 'Signed out',
  'user.register': 'Registered',
  'user.create': 'Created an account',
  'user.role_changed': 'Changed a role',
  'user.delete': 'Deleted an account',
  'room.create': 'Created a room',
  'room.update': 'Changed a room',
  'room.member_added': 'Added a member',
  'room.member_removed': 'Removed a member',
  'room.synthetic_participant.add': 'Added a test participant',
  'room.synthetic_participant.remove': 'Removed a test participant',
  'recording.start': 'Started a recording',
  'recording.stop': 'Stopped a recording',
  'recording.view': 'Viewed',
  'recording.playback': 'Played',
  'recording.download': 'Downloaded',
  'recording.edit': 'Edited',
  'recording.share': 'Shared',
  'recording.unshare': 'Revoked a share',
  'recording.delete': 'Deleted',
  'recording.expired': 'Expired',
  'recording.verify': 'Verified',
  'recording.corrupted': 'Found corrupted',
  'recording.reprocess': 'Reprocessed',
  'recording.layout': 'Changed the layout',
  'recording.stream': 'Streamed',
} as const satisfies Record<AuditAction, string>;

export const auditActions = Object.keys(auditActionLabels) as AuditAction[];

/** True when `held` includes `needed` (the server decides; this only shapes the page). */
export function includesAccess(held: AccessLevel, needed: AccessLevel): boolean {
  return accessRank[held] >= accessRank[needed];
}

/** The label of a status, or the status itself for one this build does not know. */
export function statusLabel(status: string): string {
  return (statusLabels as Record<string, string>)[status] ?? status;
}

export function auditActionLabel(action: string): string {
  return (auditActionLabels as Record<string, string>)[action] ?? action;
}
