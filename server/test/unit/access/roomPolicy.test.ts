import { describe, expect, it } from 'vitest';
import { canCreateRoom, roomPermissions } from '#server/access/roomPolicy';

const room = { ownerId: 'owner', access: 'members' as const };

describe('roomPermissions', () => {
  it.each([
    ['owner', 'instructor', null, { join: true, record: true, manage: true }],
    ['admin', 'admin', null, { join: true, record: true, manage: true }],
    ['teacher', 'instructor', 'instructor', { join: true, record: true, manage: false }],
    ['pupil', 'student', 'student', { join: true, record: false, manage: false }],
    ['stranger', 'instructor', null, { join: false, record: false, manage: false }],
    ['stranger', 'student', null, { join: false, record: false, manage: false }],
  ] as const)('%s (%s, member as %s) may %o', (userId, role, memberRole, expected) => {
    expect(roomPermissions({ userId, role }, room, memberRole)).toEqual(expected);
  });

  it('an open room lets every signed-in user join, and nothing more', () => {
    expect(
      roomPermissions({ userId: 'stranger', role: 'student' }, { ...room, access: 'open' }, null),
    ).toEqual({
      join: true,
      record: false,
      manage: false,
    });
  });

  it('only instructors and admins create rooms', () => {
    expect(canCreateRoom('student')).toBe(false);
    expect(canCreateRoom('instructor')).toBe(true);
    expect(canCreateRoom('admin')).toBe(true);
  });
});
