import { describe, expect, it } from 'vitest';
import {
  canChangeShare,
  canGrant,
  includesLevel,
  recordingAccessLevel,
  type RecordingAccessFacts,
} from '#server/access/recordingPolicy';

const me = { userId: 'me', role: 'student' as const };
const base: RecordingAccessFacts = {
  recording: { startedBy: 'starter', roomId: 'r' },
  roomOwnerId: 'owner',
  memberRole: null,
  shares: [],
};
const userShare = (permission: 'view' | 'download' | 'share', userId = 'me') => ({
  sharedWithUserId: userId,
  sharedWithRole: null,
  permission,
});
const roleShare = (role: 'student' | 'instructor', permission: 'view' | 'download' | 'share') => ({
  sharedWithUserId: null,
  sharedWithRole: role,
  permission,
});

describe('recordingAccessLevel', () => {
  it('gives admins, the starter and the room owner manage', () => {
    expect(recordingAccessLevel({ userId: 'x', role: 'admin' }, base)).toBe('manage');
    expect(recordingAccessLevel({ userId: 'starter', role: 'instructor' }, base)).toBe('manage');
    expect(recordingAccessLevel({ userId: 'owner', role: 'instructor' }, base)).toBe('manage');
  });

  it('gives nobody else anything without a share, members and instructors included', () => {
    expect(recordingAccessLevel(me, { ...base, memberRole: 'student' })).toBeNull();
    expect(
      recordingAccessLevel(
        { userId: 'me', role: 'instructor' },
        { ...base, memberRole: 'instructor' },
      ),
    ).toBeNull();
  });

  it('a share to the user gives its permission; to someone else, nothing', () => {
    expect(recordingAccessLevel(me, { ...base, shares: [userShare('download')] })).toBe('download');
    expect(recordingAccessLevel(me, { ...base, shares: [userShare('share', 'other')] })).toBeNull();
  });

  it('a role share applies to members with that role only', () => {
    const shares = [roleShare('student', 'view')];
    expect(recordingAccessLevel(me, { ...base, memberRole: 'student', shares })).toBe('view');
    expect(recordingAccessLevel(me, { ...base, memberRole: 'instructor', shares })).toBeNull();
    expect(recordingAccessLevel(me, { ...base, memberRole: null, shares })).toBeNull();
  });

  it('the highest applicable grant wins', () => {
    const shares = [roleShare('student', 'view'), userShare('share'), userShare('download')];
    expect(recordingAccessLevel(me, { ...base, memberRole: 'student', shares })).toBe('share');
  });

  it('a room whose record is gone gives its old owner nothing through it', () => {
    expect(
      recordingAccessLevel({ userId: 'owner', role: 'instructor' }, { ...base, roomOwnerId: null }),
    ).toBeNull();
  });
});

describe('levels and grants', () => {
  it('each level includes the weaker ones and nothing holds no level', () => {
    expect(includesLevel('manage', 'view')).toBe(true);
    expect(includesLevel('download', 'share')).toBe(false);
    expect(includesLevel(null, 'view')).toBe(false);
  });

  it('only share and manage may grant, and never more than they hold', () => {
    expect(canGrant('download', 'view')).toBe(false);
    expect(canGrant('share', 'share')).toBe(true);
    expect(canGrant('share', 'download')).toBe(true);
    expect(canGrant('manage', 'share')).toBe(true);
  });

  it('share holders change only their own shares; managers any', () => {
    expect(canChangeShare('share', me, { sharedBy: 'me' })).toBe(true);
    expect(canChangeShare('share', me, { sharedBy: 'starter' })).toBe(false);
    expect(canChangeShare('manage', me, { sharedBy: 'starter' })).toBe(true);
    expect(canChangeShare('download', me, { sharedBy: 'me' })).toBe(false);
  });
});
