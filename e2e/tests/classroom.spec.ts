/**
 * The classroom through real browsers: fake camera/mic, the real server,
 * mediasoup in between. Everything is observed through the Playwright
 * contract (data-testid, data-state, data-media).
 */
import { test, expect } from '../support/fixtures';
import {
  allTiles,
  expectVideoPlaying,
  joinRoom,
  leaveRoom,
  roomOf,
  tileOf,
  uniqueRoomId,
} from '../support/classroom';

test('two participants in one room each see the other’s video playing', async ({
  classroom,
  openParticipant,
}, testInfo) => {
  const roomId = await classroom.createClass(uniqueRoomId(testInfo));
  const { instructor, student1 } = classroom.users;
  const teacher = await openParticipant(instructor);
  const student = await openParticipant(student1);

  await joinRoom(teacher.page, roomId);
  await joinRoom(student.page, roomId);

  await expectVideoPlaying(tileOf(teacher.page, student1.fullName));
  await expectVideoPlaying(tileOf(student.page, instructor.fullName));
  // One tile per remote participant: nobody sees themselves, nobody twice.
  await expect(allTiles(teacher.page)).toHaveCount(1);
  await expect(allTiles(student.page)).toHaveCount(1);
  await expect(tileOf(student.page, instructor.fullName)).toHaveAttribute('data-mic', 'on');
});

test('a student sees no Record button and an instructor does', async ({
  classroom,
  openParticipant,
}, testInfo) => {
  const roomId = await classroom.createClass(uniqueRoomId(testInfo));
  const teacher = await openParticipant(classroom.users.instructor);
  const student = await openParticipant(classroom.users.student1);

  await joinRoom(teacher.page, roomId);
  await joinRoom(student.page, roomId);

  await expect(teacher.page.getByTestId('record')).toBeVisible();
  await expect(teacher.page.getByTestId('record')).toHaveText('Record');
  await expect(teacher.page.getByTestId('recordings-list')).toBeAttached();
  await expect(student.page.getByTestId('record')).toHaveCount(0);
  await expect(student.page.getByTestId('recordings-list')).toHaveCount(0);
  // Nothing records yet: no indicator for anyone.
  await expect(teacher.page.getByTestId('recording-indicator')).toHaveCount(0);
  await expect(student.page.getByTestId('recording-indicator')).toHaveCount(0);
});

test('leaving removes the participant’s tile for the others', async ({
  classroom,
  openParticipant,
}, testInfo) => {
  const roomId = await classroom.createClass(uniqueRoomId(testInfo));
  const { instructor, student1, student2 } = classroom.users;
  const teacher = await openParticipant(instructor);
  const first = await openParticipant(student1);
  const second = await openParticipant(student2);

  await joinRoom(teacher.page, roomId);
  await joinRoom(first.page, roomId);
  await joinRoom(second.page, roomId);
  await expect(allTiles(teacher.page)).toHaveCount(2);
  await expectVideoPlaying(tileOf(teacher.page, student1.fullName));

  await leaveRoom(first.page);

  await expect(tileOf(teacher.page, student1.fullName)).toHaveCount(0);
  await expect(tileOf(second.page, student1.fullName)).toHaveCount(0);
  await expect(allTiles(teacher.page)).toHaveCount(1);
  await expect(allTiles(first.page)).toHaveCount(0);
  // The one who left can come back.
  await first.page.getByTestId('join').click();
  await expect(roomOf(first.page)).toHaveAttribute('data-state', 'joined');
  await expectVideoPlaying(tileOf(teacher.page, student1.fullName));
});

test('turning the camera and mic off shows it to the others, and on again resumes the video', async ({
  classroom,
  openParticipant,
}, testInfo) => {
  const roomId = await classroom.createClass(uniqueRoomId(testInfo));
  const { instructor, student1 } = classroom.users;
  const teacher = await openParticipant(instructor);
  const student = await openParticipant(student1);
  await joinRoom(teacher.page, roomId);
  await joinRoom(student.page, roomId);
  const studentTile = tileOf(teacher.page, student1.fullName);
  await expectVideoPlaying(studentTile);

  await student.page.getByTestId('camera-toggle').click();
  await student.page.getByTestId('mic-toggle').click();
  await expect(student.page.getByTestId('camera-toggle')).toHaveAttribute('data-state', 'off');
  await expect(studentTile).toHaveAttribute('data-camera', 'off');
  await expect(studentTile).toHaveAttribute('data-mic', 'off');
  await expect(studentTile).toHaveAttribute('data-media', 'waiting');

  await student.page.getByTestId('camera-toggle').click();
  await student.page.getByTestId('mic-toggle').click();
  await expect(studentTile).toHaveAttribute('data-camera', 'on');
  await expect(studentTile).toHaveAttribute('data-mic', 'on');
  await expectVideoPlaying(studentTile);
});

test('a room page needs a signed-in user and a valid room id', async ({
  page,
  request,
  classroom,
}) => {
  const bad = await request.get('/room/not%20a%20room!');
  expect(bad.status()).toBe(400);
  expect(await bad.text()).toContain('Invalid room name');

  // Signed out: the room page sends to the login form and comes back after it.
  await page.goto('/room/after-login');
  await expect(page.getByTestId('login-email')).toBeVisible();
  await page.getByTestId('login-email').fill(classroom.users.student2.email);
  await page.getByTestId('login-password').fill(classroom.users.student2.password);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/room\/after-login$/);
  await expect(roomOf(page)).toHaveAttribute('data-state', 'idle');
});

test('the recorder debug view is for admins: empty while no bot runs, refused to others', async ({
  classroom,
  openParticipant,
}) => {
  const admin = await openParticipant(await classroom.createUser('admin', 'Ada Admin'));
  await admin.page.goto('/admin/recorders');
  await expect(admin.page.getByTestId('recorder-empty')).toBeVisible();
  await expect(admin.page.getByTestId('recorder-card')).toHaveCount(0);

  const student = await openParticipant(classroom.users.student1);
  await student.page.goto('/admin/recorders');
  await expect(student.page.getByTestId('forbidden')).toBeVisible();
  const api = await student.page.request.get('/api/v1/admin/recorders', {
    headers: { authorization: `Bearer ${classroom.users.student1.token}` },
  });
  expect(api.status()).toBe(403);
});

test('the storage view is for admins: where recordings are, free disk, who uses it', async ({
  classroom,
  openParticipant,
}) => {
  const admin = await openParticipant(await classroom.createUser('admin', 'Stella Storage'));
  await admin.page.goto('/admin/storage');
  await expect(admin.page.getByTestId('storage-page')).toHaveAttribute('data-state', 'ready');
  await expect(admin.page.getByTestId('storage-backend')).toHaveText('This server’s disk');
  await expect(admin.page.getByTestId('storage-free')).toContainText('floor');
  await expect(admin.page.getByTestId('storage-by-owner')).toBeVisible();

  const student = await openParticipant(classroom.users.student2);
  await student.page.goto('/admin/storage');
  await expect(student.page.getByTestId('forbidden')).toBeVisible();
});
