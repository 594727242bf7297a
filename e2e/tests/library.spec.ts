/**
 * The recordings library end to end: the instructor records the class and
 * shares it with the class as `view`; a student finds it on /recordings,
 * plays it and seeks to the middle; the student's download is refused until
 * the owner upgrades the share; a student of another class never sees it;
 * the owner deletes it and it is gone for everyone; the admin reads all of
 * it on the audit page.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from '../support/fixtures';
import { joinRoom, playsFromTheMiddle, uniqueRoomId } from '../support/classroom';
import { probeFile } from '../support/mediaChecks';

/** Opens a recording's page and waits for it to load (or say it is not there). */
async function openRecording(page: Page, recordingId: string): Promise<void> {
  await page.goto(`/recordings/${recordingId}`);
  await expect(
    page.getByTestId('recording-detail').or(page.getByTestId('recording-not-found')),
  ).toBeVisible();
}

async function shareWithClass(page: Page, permission: 'view' | 'download'): Promise<void> {
  await page.getByTestId('share-open').click();
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('share-target').selectOption('class');
  await dialog.getByTestId('share-permission').selectOption(permission);
  await dialog.getByTestId('share-submit').click();
  await expect(
    page.locator(
      `[data-testid="share-item"][data-grantee="role:student"][data-permission="${permission}"]`,
    ),
  ).toBeVisible();
}

test('a recording shared with the class is found, played, seeked and downloaded only as allowed', async ({
  classroom,
  openParticipant,
}, testInfo) => {
  test.setTimeout(240_000);
  const { instructor, student1 } = classroom.users;
  const roomId = await classroom.createClass(uniqueRoomId(testInfo, 'lib'));
  const outsider = await classroom.createUser('student', 'Olga Outsider');
  await classroom.server.createRoom(await classroom.createUser('instructor', 'Other Teacher'), {
    members: [outsider],
  });
  const admin = await classroom.createUser('admin', 'Audrey Admin');

  // The instructor records about six seconds of the class.
  const teacher = await openParticipant(instructor);
  await joinRoom(teacher.page, roomId);
  await teacher.page.getByTestId('record').click();
  await expect(teacher.page.getByTestId('recording-indicator')).toBeVisible({ timeout: 30_000 });
  const session = [...classroom.server.server.recording.sessions.values()].find(
    (s) => s.roomId === roomId,
  );
  expect(session, 'a recording session for the room').toBeDefined();
  const recordingId = session!.recordingId;
  await expect
    .poll(() => session!.recordedMs, { timeout: 30_000, intervals: [250] })
    .toBeGreaterThanOrEqual(6_000);
  await teacher.page.getByTestId('record').click();
  const item = teacher.page.locator(
    `[data-testid="recording-item"][data-recording-id="${recordingId}"]`,
  );
  await expect(item).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });

  // The owner shares it with the class, as view.
  await openRecording(teacher.page, recordingId);
  await expect(teacher.page.getByTestId('recording-detail')).toHaveAttribute(
    'data-access',
    'manage',
  );
  await shareWithClass(teacher.page, 'view');

  // A student of the class finds it in the library and plays it from the middle.
  const student = await openParticipant(student1);
  await student.page.goto('/recordings');
  await expect(student.page.getByTestId('library')).toHaveAttribute('data-state', 'ready');
  const entry = student.page.locator(
    `[data-testid="library-item"][data-recording-id="${recordingId}"]`,
  );
  await expect(entry).toHaveAttribute('data-access', 'view');
  await entry.getByTestId('library-item-title').click();
  await expect(student.page.getByTestId('recording-detail')).toHaveAttribute(
    'data-recording-id',
    recordingId,
  );
  await playsFromTheMiddle(student.page, { minSeconds: 4, advance: 0.5 });

  // View is not download: no button, and the API refuses it.
  await expect(student.page.getByTestId('recording-download')).toHaveCount(0);
  const api = student.context.request;
  const refused = await api.get(`${classroom.url}/api/v1/recordings/${recordingId}/download`, {
    headers: { authorization: `Bearer ${student1.token}` },
  });
  expect(refused.status()).toBe(403);

  // The owner upgrades the class's share to download; the student's download works.
  await shareWithClass(teacher.page, 'download');
  await student.page.reload();
  const downloadButton = student.page.getByTestId('recording-download');
  await expect(downloadButton).toBeEnabled();
  const [download] = await Promise.all([
    student.page.waitForEvent('download'),
    downloadButton.click(),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'e2e-library-'));
  try {
    const file = join(dir, 'download.webm');
    await download.saveAs(file);
    const facts = await probeFile(file);
    expect(facts.video).toHaveLength(1);
    expect(facts.audio).toHaveLength(1);
    expect(facts.durationSeconds).toBeGreaterThan(4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // A student of another class never sees it: not listed, and its URL is "not found".
  const stranger = await openParticipant(outsider);
  await stranger.page.goto('/recordings');
  await expect(stranger.page.getByTestId('library')).toHaveAttribute('data-state', 'ready');
  await expect(
    stranger.page.locator(`[data-testid="library-item"][data-recording-id="${recordingId}"]`),
  ).toHaveCount(0);
  await openRecording(stranger.page, recordingId);
  await expect(stranger.page.getByTestId('recording-not-found')).toBeVisible();

  // The owner deletes it: gone for everyone.
  await openRecording(teacher.page, recordingId);
  await teacher.page.getByTestId('delete-open').click();
  await teacher.page.getByTestId('delete-confirm').click();
  await expect(teacher.page).toHaveURL(/\/recordings$/);
  await openRecording(student.page, recordingId);
  await expect(student.page.getByTestId('recording-not-found')).toBeVisible();
  await student.page.goto('/recordings');
  await expect(student.page.getByTestId('library')).toHaveAttribute('data-state', 'ready');
  await expect(
    student.page.locator(`[data-testid="library-item"][data-recording-id="${recordingId}"]`),
  ).toHaveCount(0);

  // The admin sees all of it on the audit page.
  const auditor = await openParticipant(admin);
  await auditor.page.goto('/admin/audit');
  await auditor.page.getByTestId('audit-filter-recording').fill(recordingId);
  await auditor.page.getByTestId('audit-apply').click();
  const rows = auditor.page.locator(
    `[data-testid="audit-row"][data-recording-id="${recordingId}"]`,
  );
  for (const action of [
    'recording.start',
    'recording.stop',
    'recording.share',
    'recording.view',
    'recording.playback',
    'recording.download',
    'recording.delete',
  ]) {
    await expect(rows.and(auditor.page.locator(`[data-action="${action}"]`)).first()).toBeVisible();
  }
  await expect(
    rows.and(
      auditor.page.locator(
        `[data-action="recording.download"][data-actor-email="${student1.email}"]`,
      ),
    ),
  ).toHaveCount(1);
});
