/**
 * Rooms with members, through the UI: an instructor creates a class on "My
 * rooms" and adds a student by email; the student finds it and joins; a
 * student who is not a member is refused and receives nothing; removing a
 * member takes them out of the live room.
 */
import { test, expect } from '../support/fixtures';
import {
  allTiles,
  expectVideoPlaying,
  joinRoom,
  roomOf,
  tileOf,
  uniqueRoomId,
} from '../support/classroom';

test('an instructor makes a class on My rooms; its member joins, a stranger is refused, a removed member is taken out', async ({
  classroom,
  openParticipant,
}, testInfo) => {
  test.setTimeout(120_000);
  const { instructor, student1, student2 } = classroom.users;
  const roomId = uniqueRoomId(testInfo, 'class');

  const teacher = await openParticipant(instructor);
  await teacher.page.goto('/rooms');
  await expect(teacher.page.getByTestId('rooms-page')).toBeVisible();
  await teacher.page.getByTestId('room-create-id').fill(roomId);
  await teacher.page.getByTestId('room-create-title').fill('Physics 101');
  await teacher.page.getByTestId('room-create-submit').click();
  const item = teacher.page.locator(`[data-testid="room-item"][data-room-id="${roomId}"]`);
  await expect(item).toHaveAttribute('data-access', 'members');
  const members = teacher.page.locator(`[data-testid="room-members"][data-room-id="${roomId}"]`);
  if (!(await members.isVisible())) await item.getByTestId('room-manage').click();
  await members.getByTestId('member-email').fill(student1.email);
  await members.getByTestId('member-role').selectOption('student');
  await members.getByTestId('member-add').click();
  const member = members.locator(`[data-testid="member-item"][data-email="${student1.email}"]`);
  await expect(member).toHaveAttribute('data-role', 'student');

  // The member finds the class on the start page and joins it.
  const pupil = await openParticipant(student1);
  await pupil.page.goto('/');
  await pupil.page.locator(`[data-testid="home-room-link"][data-room-id="${roomId}"]`).click();
  await expect(roomOf(pupil.page)).toHaveAttribute('data-room-id', roomId);
  await pupil.page.getByTestId('join').click();
  await expect(roomOf(pupil.page)).toHaveAttribute('data-state', 'joined');
  await joinRoom(teacher.page, roomId);
  await expectVideoPlaying(tileOf(pupil.page, instructor.fullName));

  // A student who is not a member is refused, and nobody sees them.
  const stranger = await openParticipant(student2);
  await stranger.page.goto(`/room/${roomId}`);
  await stranger.page.getByTestId('join').click();
  await expect(roomOf(stranger.page)).toHaveAttribute('data-state', 'error');
  await expect(stranger.page.getByTestId('room-message')).toContainText(
    'does not exist or you are not a member',
  );
  await expect(allTiles(stranger.page)).toHaveCount(0);
  await expect(allTiles(teacher.page)).toHaveCount(1);

  // Removed from the members, the student is taken out of the live room.
  await teacher.page.goto('/rooms');
  const again = teacher.page.locator(`[data-testid="room-item"][data-room-id="${roomId}"]`);
  await again.getByTestId('room-manage').click();
  await teacher.page
    .locator(`[data-testid="member-item"][data-email="${student1.email}"]`)
    .getByTestId('member-remove')
    .click();
  await expect(
    teacher.page.locator(`[data-testid="member-item"][data-email="${student1.email}"]`),
  ).toHaveCount(0);
  await expect(roomOf(pupil.page)).toHaveAttribute('data-state', 'error');
  await expect(pupil.page.getByTestId('room-message')).toContainText('removed');
});
