/**
 * Screen sharing and layouts, end to end: a student shares a screen from the
 * classroom UI (Chromium's fake capture: a green test picture), the
 * instructor sees it and records with the default layout, which puts the
 * screen in the large cell while it is shared and goes back to the grid
 * after; and with the `speaker` layout chosen in the UI, the large cell
 * follows whoever talks (fake microphones that take turns), without
 * flickering. Checked in the real file, frame by frame, with ffmpeg.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecorderStats } from '#protocol/recorderPage';
import type { RecordingSession } from '#server/recording/RecordingSession';
import { test, expect, type Participant } from '../support/fixtures';
import { expectVideoPlaying, joinRoom, roomOf, tileOf, uniqueRoomId } from '../support/classroom';
import {
  fakeMediaArgs,
  makeFakeMedia,
  makeTurnTakingAudio,
  type FakeMedia,
} from '../support/fakeMedia';
import { gridCellStats, probeFile, regionStats, thumbnailDistance } from '../support/mediaChecks';

let mediaDir: string;
let media: FakeMedia[];
/** Each mic talks for 5 s of every 10: the instructor first, then the student. */
const TURN_SECONDS = 5;
let turns: string[];

test.beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'e2e-layouts-'));
  media = await Promise.all([0, 1].map((i) => makeFakeMedia(mediaDir, i)));
  turns = await Promise.all(
    [0, 1].map((i) =>
      makeTurnTakingAudio(mediaDir, i, {
        periodSeconds: 2 * TURN_SECONDS,
        fromSeconds: i * TURN_SECONDS,
        toSeconds: (i + 1) * TURN_SECONDS,
      }),
    ),
  );
});

test.afterAll(async () => {
  await rm(mediaDir, { recursive: true, force: true });
});

/** The large cell of the presentation and speaker layouts, as fractions of the picture. */
const MAIN_OF_PRESENTATION = { x: 0.1, y: 0.2, width: 0.55, height: 0.6 };
const MAIN_OF_SPEAKER = { x: 0.2, y: 0.1, width: 0.6, height: 0.55 };

function sessionOf(
  roomId: string,
  sessions: ReadonlyMap<string, RecordingSession>,
): RecordingSession {
  const session = [...sessions.values()].find((s) => s.roomId === roomId);
  if (!session) throw new Error(`no recording session for ${roomId}`);
  return session;
}

async function pageStats(session: RecordingSession): Promise<RecorderStats | null> {
  return (await session.bot?.stats())?.page ?? null;
}

/** Stops from the UI, waits until the recording is ready, downloads the file into `dir`. */
async function stopAndDownload(
  teacher: Participant,
  recordingId: string,
  baseUrl: string,
  dir: string,
): Promise<string> {
  await teacher.page.getByTestId('record').click();
  const item = teacher.page.locator(
    `[data-testid="recording-item"][data-recording-id="${recordingId}"]`,
  );
  await expect(item).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  const download = await teacher.context.request.get(
    `${baseUrl}/api/v1/recordings/${recordingId}/download`,
    { headers: { authorization: `Bearer ${teacher.user.token}` } },
  );
  expect(download.status()).toBe(200);
  // A WebM or an MP4 (the configured codec): ffmpeg reads either by its content.
  const file = join(dir, `${recordingId}.video`);
  await writeFile(file, await download.body());
  return file;
}

test('a student shares a screen from the classroom: the instructor sees it and the recording shows it large', async ({
  classroom,
  openParticipantInOwnBrowser,
}, testInfo) => {
  test.setTimeout(180_000);
  const roomId = await classroom.createClass(uniqueRoomId(testInfo, 'share'));
  const { instructor, student1 } = classroom.users;
  const [teacher, presenter] = await Promise.all(
    [instructor, student1].map((user, i) =>
      openParticipantInOwnBrowser(user, {
        viewport: { width: 800, height: 450 },
        lowPriority: true,
        args: fakeMediaArgs(media[i]!),
      }),
    ),
  );
  for (const p of [teacher!, presenter!]) await joinRoom(p.page, roomId);
  await expectVideoPlaying(tileOf(teacher!.page, student1.fullName));

  const share = presenter!.page.getByTestId('share-screen');
  await expect(share).toBeEnabled();
  await expect(share).toHaveAttribute('aria-pressed', 'false');
  await share.click();
  await expect(roomOf(presenter!.page)).toHaveAttribute('data-screen-sharing', 'true');
  await expect(share).toHaveAttribute('aria-pressed', 'true');
  await expect(presenter!.page.getByTestId('local-screen-preview')).toBeVisible();
  const screenTile = teacher!.page.getByTestId('screen-tile');
  await expect(screenTile).toHaveAttribute('data-media', 'flowing', { timeout: 30_000 });

  // The default layout.
  await expect(teacher!.page.getByTestId('recording-layout')).toHaveValue('auto');
  await teacher!.page.getByTestId('record').click();
  await expect(teacher!.page.getByTestId('recording-indicator')).toBeVisible({ timeout: 30_000 });
  const session = sessionOf(roomId, classroom.server.server.recording.sessions);
  await expect
    .poll(async () => (await pageStats(session))?.drawnLayout, { timeout: 30_000 })
    .toBe('presentation');
  await expect
    .poll(() => session.recordedMs, { timeout: 30_000, intervals: [250] })
    .toBeGreaterThanOrEqual(6_000);

  // Sharing ends: the others lose the tile, the recording goes back to the grid.
  await share.click();
  await expect(roomOf(presenter!.page)).toHaveAttribute('data-screen-sharing', 'false');
  await expect(screenTile).toHaveCount(0);
  const sharedUntilMs = session.recordedMs;
  await expect
    .poll(async () => (await pageStats(session))?.drawnLayout, { timeout: 30_000 })
    .toBe('grid');
  await expect
    .poll(() => session.recordedMs, { timeout: 30_000, intervals: [250] })
    .toBeGreaterThanOrEqual(sharedUntilMs + 5_000);

  const dir = await mkdtemp(join(tmpdir(), 'e2e-share-'));
  try {
    const file = await stopAndDownload(teacher!, session.recordingId, classroom.url, dir);
    await testInfo.attach('presentation', { path: file });
    const facts = await probeFile(file);
    // While shared: Chromium's fake screen (green) fills the large cell.
    const shared = await regionStats(file, 3, MAIN_OF_PRESENTATION);
    const [r, g, b] = shared.rgb;
    expect(g, `green screen in the large cell (rgb ${shared.rgb.join(',')})`).toBeGreaterThan(
      r + 40,
    );
    expect(g).toBeGreaterThan(b + 40);
    // After: two camera cells side by side, both pictures.
    const cfg = classroom.server.server.context.config.recording;
    const cells = await gridCellStats(file, facts.durationSeconds - 1.5, {
      width: cfg.width,
      height: cfg.height,
      tiles: 2,
    });
    for (const cell of cells) expect(cell.stddev).toBeGreaterThan(12);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the speaker layout, chosen in the classroom, follows whoever talks without flickering', async ({
  classroom,
  openParticipantInOwnBrowser,
}, testInfo) => {
  test.setTimeout(180_000);
  const roomId = await classroom.createClass(uniqueRoomId(testInfo, 'speaker'));
  const { instructor, student1 } = classroom.users;
  const people = await Promise.all(
    [instructor, student1].map((user, i) =>
      openParticipantInOwnBrowser(user, {
        viewport: { width: 800, height: 450 },
        lowPriority: true,
        args: fakeMediaArgs({ video: media[i]!.video, audio: turns[i]! }),
      }),
    ),
  );
  for (const p of people) await joinRoom(p.page, roomId);
  const teacher = people[0]!;
  await expectVideoPlaying(tileOf(teacher.page, student1.fullName));

  await teacher.page.getByTestId('recording-layout').selectOption('speaker');
  await teacher.page.getByTestId('record').click();
  await expect(teacher.page.getByTestId('recording-indicator')).toBeVisible({ timeout: 30_000 });
  const session = sessionOf(roomId, classroom.server.server.recording.sessions);

  // Who the page shows large, against the media time stored.
  const shown: Array<{ atMs: number; peerId: string | null }> = [];
  await expect
    .poll(
      async () => {
        const page = await pageStats(session);
        const peerId = page?.activeSpeakerPeerId ?? null;
        if (shown.at(-1)?.peerId !== peerId) shown.push({ atMs: session.recordedMs, peerId });
        return session.recordedMs;
      },
      { timeout: 60_000, intervals: [250] },
    )
    .toBeGreaterThanOrEqual(22_000);
  testInfo.annotations.push({ type: 'speakers', description: JSON.stringify(shown) });
  const speakers = new Set(shown.map((s) => s.peerId).filter((p) => p !== null));
  expect(speakers.size, 'both participants were shown large').toBe(2);
  // Turns of 5 s over about 22 s: four or five switches, never a flicker.
  const switches = shown.filter((s, i) => i > 0 && s.peerId !== null).length;
  expect(switches).toBeGreaterThanOrEqual(2);
  expect(switches).toBeLessThanOrEqual(6);
  const stats = await pageStats(session);
  expect(stats?.drawnLayout).toBe('speaker');

  const dir = await mkdtemp(join(tmpdir(), 'e2e-speaker-'));
  try {
    const file = await stopAndDownload(teacher, session.recordingId, classroom.url, dir);
    await testInfo.attach('speaker', { path: file });
    // The middle of the longest stretch each speaker was shown: their pictures differ.
    const stretches = shown
      .map((s, i) => ({ ...s, untilMs: shown[i + 1]?.atMs ?? session.recordedMs }))
      .filter((s) => s.peerId !== null && s.untilMs - s.atMs >= 2_000);
    const middleOf = (peerId: string) => {
      const longest = stretches
        .filter((s) => s.peerId === peerId)
        .sort((a, b) => b.untilMs - b.atMs - (a.untilMs - a.atMs))[0];
      return longest ? (longest.atMs + longest.untilMs) / 2000 : null;
    };
    const [first, second] = [...speakers].map((p) => middleOf(p));
    expect(first, 'a stretch of the first speaker').not.toBeNull();
    expect(second, 'a stretch of the second speaker').not.toBeNull();
    const a = await regionStats(file, first!, MAIN_OF_SPEAKER);
    const b = await regionStats(file, second!, MAIN_OF_SPEAKER);
    expect(thumbnailDistance(a, b), 'the large cell shows another picture').toBeGreaterThan(3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
