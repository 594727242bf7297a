/**
 * Streaming end to end: the instructor records the class with the real
 * bot; once its HLS renditions are made, the recording page plays them
 * through hls.js in Chromium (segments fetched by their signed URLs), seeks
 * to the middle and advances. The same story with STORAGE=s3 against a real
 * S3-compatible server (Swift): the files move to the bucket, the local copy
 * is gone, the player streams the segments from the bucket through the
 * server's redirects, and the download comes from the bucket too.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, e2eServerEnv } from '../support/fixtures';
import { joinRoom, loginThroughUi, playsFromTheMiddle, uniqueRoomId } from '../support/classroom';
import { probeFile } from '../support/mediaChecks';
import { s3StorageEnv, startS3Server, type S3Server } from '../../scripts/lib/s3Server';
import { startTestServer, type TestServer } from '../../server/test/helpers/testServer';

const RECORD_MS = 8_000;

/** Records `roomId` from the instructor's page for RECORD_MS and waits until it is ready. */
async function recordLecture(page: Page, server: TestServer, roomId: string): Promise<string> {
  await joinRoom(page, roomId);
  await page.getByTestId('record').click();
  await expect(page.getByTestId('recording-indicator')).toBeVisible({ timeout: 30_000 });
  const session = [...server.server.recording.sessions.values()].find((s) => s.roomId === roomId);
  expect(session, 'a recording session for the room').toBeDefined();
  await expect
    .poll(() => session!.recordedMs, { timeout: 30_000, intervals: [250] })
    .toBeGreaterThanOrEqual(RECORD_MS);
  await page.getByTestId('record').click();
  const item = page.locator(
    `[data-testid="recording-item"][data-recording-id="${session!.recordingId}"]`,
  );
  await expect(item).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  return session!.recordingId;
}

/**
 * Opens the recording page, waits for HLS to be ready there, and checks
 * that the player streams it with hls.js: plays from the middle and advances.
 * Resolves with the HLS URLs the page fetched.
 */
async function playsHlsFromTheMiddle(page: Page, recordingId: string): Promise<string[]> {
  const fetched: string[] = [];
  page.on('request', (request) => {
    if (/\/hls\/|\.m4s|\.m3u8|\/stream\?/.test(request.url())) fetched.push(request.url());
  });
  await page.goto(`/recordings/${recordingId}`);
  await expect(page.getByTestId('recording-detail')).toHaveAttribute('data-status', 'ready');
  // The page follows the pipeline live: the streaming row says HLS once the renditions exist.
  await expect(page.getByTestId('recording-hls')).toContainText('HLS:', { timeout: 90_000 });
  await page.reload();
  const frame = page.getByTestId('recording-player-frame');
  await expect(frame).toHaveAttribute('data-playback', 'hls.js');
  await playsFromTheMiddle(page, { minSeconds: RECORD_MS / 1000 - 1.5, advance: 1 });
  const player = page.getByTestId('recording-player');
  expect(
    await player.evaluate((v: HTMLVideoElement) => v.videoWidth),
    'a decoded picture',
  ).toBeGreaterThan(0);
  return fetched;
}

test('a recording streams through hls.js: plays, seeks to the middle and advances', async ({
  classroom,
  openParticipant,
}, testInfo) => {
  test.setTimeout(240_000);
  const roomId = await classroom.createClass(uniqueRoomId(testInfo, 'hls'));
  const teacher = await openParticipant(classroom.users.instructor);
  const recordingId = await recordLecture(teacher.page, classroom.server, roomId);
  const fetched = await playsHlsFromTheMiddle(teacher.page, recordingId);
  expect(fetched.some((url) => /\/stream\?token=/.test(url))).toBe(true);
  expect(fetched.some((url) => /\/hls\/\w+\/seg_\d+\.m4s\?exp=\d+&uid=.+&sig=/.test(url))).toBe(
    true,
  );
});

test.describe('with STORAGE=s3', () => {
  let s3: S3Server | undefined;
  let server: TestServer | undefined;

  test.afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  test('the same story from the bucket, and the local copy is gone', async ({
    browser,
  }, testInfo) => {
    test.setTimeout(300_000);
    s3 = await startS3Server({ bucket: 'e2e-recordings' });
    server = await startTestServer({
      ...e2eServerEnv(),
      ...s3StorageEnv(s3),
    });
    const instructor = await server.createUser('instructor', 'Bucket Instructor');
    const roomId = await server.createRoom(instructor, {
      roomId: uniqueRoomId(testInfo, 's3'),
    });
    const context = await browser.newContext({
      baseURL: server.url,
      permissions: ['camera', 'microphone'],
      viewport: { width: 1280, height: 720 },
      acceptDownloads: true,
    });
    try {
      const page = await context.newPage();
      await loginThroughUi(page, instructor);
      const recordingId = await recordLecture(page, server, roomId);
      const recordings = server.server.context.recordings;
      await expect
        .poll(async () => (await recordings.findById(recordingId))?.storage, { timeout: 90_000 })
        .toBe('s3');
      const row = (await recordings.findById(recordingId))!;
      // The row moves to the bucket first (readers go there), then the local copy is removed.
      const localDir = server.server.context.storage.dirOf(row);
      await expect
        .poll(
          () =>
            stat(localDir).then(
              () => 'still there',
              () => 'gone',
            ),
          { timeout: 30_000 },
        )
        .toBe('gone');

      const fetched = await playsHlsFromTheMiddle(page, recordingId);
      await expect(page.getByTestId('recording-storage')).toHaveText('Object storage');
      // Segments came from the bucket (the server answered 302 with a presigned URL).
      expect(fetched.some((url) => url.startsWith(s3!.endpoint) && /\.m4s\?/.test(url))).toBe(true);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('recording-download').click(),
      ]);
      const dir = await mkdtemp(join(tmpdir(), 'e2e-s3-'));
      try {
        const file = join(dir, 'download.video');
        await download.saveAs(file);
        const facts = await probeFile(file);
        expect(facts.video).toHaveLength(1);
        expect(facts.durationSeconds).toBeGreaterThan(RECORD_MS / 1000 - 1.5);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      await context.close();
    }
  });
});
