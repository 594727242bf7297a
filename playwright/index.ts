/**
 * A Playwright fixture for suites that drive a classroom-recorder server
 * (`import { test, expect } from 'classroom-recorder/playwright'`). Against
 * a running server (`CLASSROOM_URL`), a test gets `classroom`:
 *
 * - `createUser(role)`: a fresh account, made through an admin's token
 *   (`CLASSROOM_ADMIN_EMAIL` / `CLASSROOM_ADMIN_PASSWORD`);
 * - `createRoom(owner, members)`: a members-only room the owner owns;
 * - `openParticipant(user, { media })`: a browser of its own with a fake
 *   camera and microphone (the test's own files if given), signed in
 *   through the UI; `join(roomId)`, `expectSeeing(other)`, `leave()`;
 * - `record(roomId, by)`: starts a recording; `waitForSeconds(n)`, `stop()`.
 *
 * Every recording the test started is stopped when the test ends (passed or
 * not), waited for until `ready`, and its composite file and JSON are
 * attached to the test's report (`recording-<n>.mp4`, `video/mp4`; `.webm`
 * for a server recording VP8/VP9). With
 * `keepRecordings: 'on-failure'` (the default) a passing test's recordings
 * are deleted from the server afterwards. Every browser is closed.
 */
import { writeFile } from 'node:fs/promises';
import {
  test as base,
  expect,
  type Browser,
  type BrowserContext,
  type Page,
} from '@playwright/test';
import type { RecordingDetailJson } from '#protocol/rest/recordings';
import type { PublicUserJson } from '#protocol/rest/users';
import { ClassroomApi } from './ClassroomApi';

export { expect };
export { ClassroomApi, ClassroomApiError } from './ClassroomApi';

export interface ClassroomUser extends PublicUserJson {
  password: string;
  token: string;
}

export interface FakeMediaFiles {
  /** A .y4m or .mjpeg file for the fake camera. */
  video?: string;
  /** A .wav file for the fake microphone. */
  audio?: string;
}

export interface Participant {
  user: ClassroomUser;
  page: Page;
  context: BrowserContext;
  /** Opens `/room/:roomId`, joins, and waits until the room says `joined`. */
  join(roomId: string): Promise<void>;
  /** Waits until `other`'s video plays in this participant's room (frames decoding, time advancing). */
  expectSeeing(other: ClassroomUser): Promise<void>;
  leave(): Promise<void>;
}

export interface Recording {
  readonly id: string;
  /** Waits until the server holds `seconds` of media (one slice a second). */
  waitForSeconds(seconds: number): Promise<void>;
  /** Stops it and waits until it is ready; resolves with its JSON. */
  stop(): Promise<RecordingDetailJson>;
}

export interface Classroom {
  url: string;
  api: ClassroomApi;
  createUser(role: 'student' | 'instructor' | 'admin', fullName?: string): Promise<ClassroomUser>;
  createRoom(owner: ClassroomUser, members?: ClassroomUser[]): Promise<string>;
  openParticipant(user: ClassroomUser, options?: { media?: FakeMediaFiles }): Promise<Participant>;
  record(roomId: string, by: ClassroomUser, title?: string): Promise<Recording>;
}

export interface ClassroomOptions {
  /** Base URL of the server; default `CLASSROOM_URL`. */
  classroomUrl: string;
  /** An admin account used to create users; default `CLASSROOM_ADMIN_EMAIL` / `CLASSROOM_ADMIN_PASSWORD`. */
  classroomAdmin: { email: string; password: string };
  /** What happens to recordings after the test: kept on failure (default), always, or never. */
  keepRecordings: 'on-failure' | 'always' | 'never';
  /** How long a stopped recording may take to become ready. */
  recordingReadyTimeoutMs: number;
}

/** Chromium flags for a headless participant with a fake camera and microphone. */
export function participantChromiumArgs(media: FakeMediaFiles = {}): string[] {
  return [
    '--no-sandbox',
    '--use-fake-device-for-media-stream=fps=15',
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    ...(media.video ? [`--use-file-for-fake-video-capture=${media.video}`] : []),
    ...(media.audio ? [`--use-file-for-fake-audio-capture=${media.audio}`] : []),
  ];
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}-${process.pid}-${(counter += 1)}`;

async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  await expect
    .poll(check, { message: what, timeout: timeoutMs, intervals: [250, 500, 1000] })
    .toBe(true);
}

export const test = base.extend<ClassroomOptions & { classroom: Classroom }>({
  classroomUrl: [process.env.CLASSROOM_URL ?? 'http://127.0.0.1:3000', { option: true }],
  classroomAdmin: [
    {
      email: process.env.CLASSROOM_ADMIN_EMAIL ?? '',
      password: process.env.CLASSROOM_ADMIN_PASSWORD ?? '',
    },
    { option: true },
  ],
  keepRecordings: ['on-failure', { option: true }],
  recordingReadyTimeoutMs: [120_000, { option: true }],

  classroom: async (
    {
      playwright,
      launchOptions,
      classroomUrl,
      classroomAdmin,
      keepRecordings,
      recordingReadyTimeoutMs,
    },
    use,
    testInfo,
  ) => {
    const api = new ClassroomApi(classroomUrl);
    const browsers: Browser[] = [];
    const recordings: Array<{ id: string; token: string; stopped?: RecordingDetailJson }> = [];
    let adminToken: string | undefined;
    const admin = async () => {
      if (!adminToken) {
        if (!classroomAdmin.email) {
          throw new Error(
            'set CLASSROOM_ADMIN_EMAIL and CLASSROOM_ADMIN_PASSWORD (or the classroomAdmin option)',
          );
        }
        adminToken = (await api.login(classroomAdmin.email, classroomAdmin.password)).token;
      }
      return adminToken;
    };

    const stopAndWait = async (
      entry: (typeof recordings)[number],
    ): Promise<RecordingDetailJson> => {
      if (entry.stopped) return entry.stopped;
      await api.stopRecording(entry.token, entry.id);
      let row: RecordingDetailJson | undefined;
      await until(`recording ${entry.id} becomes ready`, recordingReadyTimeoutMs, async () => {
        row = await api.getRecording(entry.token, entry.id);
        if (row.status === 'failed') throw new Error(`recording ${entry.id} failed: ${row.error}`);
        return row.status === 'ready';
      });
      entry.stopped = row!;
      return row!;
    };

    const classroom: Classroom = {
      url: classroomUrl,
      api,
      async createUser(role, fullName) {
        const id = unique();
        const password = `pw-${id}-${Math.random().toString(36).slice(2)}`;
        const email = `${role}-${id}@classroom-fixture.test`;
        const user = await api.createUser(await admin(), {
          email,
          password,
          fullName: fullName ?? `${role} ${id}`,
          role,
        });
        const { token } = await api.login(email, password);
        return { ...user, password, token };
      },
      async createRoom(owner, members = []) {
        const roomId = `pw-${unique()}`.slice(0, 64);
        await api.createRoom(owner.token, {
          roomId,
          title: `${testInfo.title}`.slice(0, 200) || roomId,
        });
        for (const member of members) {
          await api.addMember(owner.token, roomId, {
            email: member.email,
            role: member.role === 'student' ? 'student' : 'instructor',
          });
        }
        return roomId;
      },
      async openParticipant(user, { media } = {}) {
        const browser = await playwright.chromium.launch({
          ...launchOptions,
          args: [...(launchOptions.args ?? []), ...participantChromiumArgs(media)],
        });
        browsers.push(browser);
        const context = await browser.newContext({
          baseURL: classroomUrl,
          permissions: ['camera', 'microphone'],
          viewport: { width: 960, height: 540 },
        });
        const page = await context.newPage();
        await page.goto('/');
        await page.getByTestId('login-email').fill(user.email);
        await page.getByTestId('login-password').fill(user.password);
        await page.getByTestId('login-submit').click();
        await expect(page.getByTestId('current-user')).toBeVisible();
        return {
          user,
          page,
          context,
          async join(roomId) {
            await page.goto(`/room/${encodeURIComponent(roomId)}`);
            await page.getByTestId('join').click();
            await expect(page.getByTestId('room')).toHaveAttribute('data-state', 'joined');
          },
          async expectSeeing(other) {
            const tile = page.locator(
              `[data-testid="participant-tile"][data-peer-name=${JSON.stringify(other.fullName)}]`,
            );
            await expect(tile).toHaveAttribute('data-media', 'flowing', { timeout: 30_000 });
          },
          async leave() {
            await page.getByTestId('leave').click();
            await expect(page.getByTestId('room')).toHaveAttribute('data-state', 'left');
          },
        };
      },
      async record(roomId, by, title = testInfo.title.slice(0, 500) || 'Playwright recording') {
        const started = await api.startRecording(by.token, roomId, title);
        const entry: (typeof recordings)[number] = { id: started.recordingId, token: by.token };
        recordings.push(entry);
        return {
          id: started.recordingId,
          async waitForSeconds(seconds) {
            const token = await admin();
            await until(`${seconds} s recorded`, seconds * 1000 + 60_000, async () => {
              const bot = (await api.recorderBots(token)).find((b) => b.recordingId === entry.id);
              return (bot?.recordedSeconds ?? 0) >= seconds;
            });
          },
          stop: () => stopAndWait(entry),
        };
      },
    };

    const failures: unknown[] = [];
    try {
      await use(classroom);
    } finally {
      // Whatever happened in the test: stop what it started, attach the files, close the browsers.
      for (const [index, entry] of recordings.entries()) {
        try {
          const row = await stopAndWait(entry);
          await testInfo.attach(`recording-${index + 1}.json`, {
            body: JSON.stringify(row, null, 2),
            contentType: 'application/json',
          });
          // A file, not a body: recordings are large, and reporters then link it instead of inlining it.
          // The recording's own format: an MP4 (H.264, the default) or a WebM (VP8/VP9).
          const format = row.format === 'webm' ? 'webm' : 'mp4';
          const file = testInfo.outputPath(`recording-${index + 1}.${format}`);
          await writeFile(file, await api.download(entry.token, entry.id));
          await testInfo.attach(`recording-${index + 1}.${format}`, {
            path: file,
            contentType: `video/${format}`,
          });
          // By what happened, not by what was expected: a test marked test.fail() that failed keeps its files too.
          const passed = testInfo.status === 'passed';
          if (keepRecordings === 'never' || (keepRecordings === 'on-failure' && passed)) {
            await api.deleteRecording(entry.token, entry.id);
          }
        } catch (error) {
          failures.push(error);
        }
      }
      await Promise.all(browsers.map((browser) => browser.close()));
    }
    // Reached only when the test itself passed: a clean-up failure is then the test's failure.
    if (failures.length > 0) throw failures[0];
  },
});
