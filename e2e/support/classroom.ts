/**
 * Helpers that drive the classroom UI through its Playwright contract
 * (data-testid and data-* attributes documented in the README). Shared by
 * the classroom and recording end-to-end tests.
 */
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';

export interface Credentials {
  email: string;
  password: string;
}

/** A room id unique to this test (and retry), valid for the server's pattern. */
export function uniqueRoomId(testInfo: TestInfo, prefix = 'e2e'): string {
  const slug = testInfo.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 32);
  return `${prefix}-${slug}-${testInfo.retry}-${Date.now().toString(36)}`.slice(0, 64);
}

/** Signs in through the login form at `/` and waits for the signed-in header. */
export async function loginThroughUi(page: Page, user: Credentials): Promise<void> {
  await page.goto('/');
  await page.getByTestId('login-email').fill(user.email);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('current-user')).toBeVisible();
}

export function roomOf(page: Page): Locator {
  return page.getByTestId('room');
}

/** Opens `/room/:roomId`, clicks Join and waits for `data-state="joined"`. */
export async function joinRoom(page: Page, roomId: string): Promise<void> {
  await page.goto(`/room/${encodeURIComponent(roomId)}`);
  await expect(roomOf(page)).toHaveAttribute('data-state', 'idle');
  await page.getByTestId('join').click();
  await expect(roomOf(page)).toHaveAttribute('data-state', 'joined');
}

/** Clicks Leave and waits for `data-state="left"`. */
export async function leaveRoom(page: Page): Promise<void> {
  await page.getByTestId('leave').click();
  await expect(roomOf(page)).toHaveAttribute('data-state', 'left');
}

/** The tile of the remote participant shown under `displayName`. */
export function tileOf(page: Page, displayName: string): Locator {
  return page.locator(
    `[data-testid="participant-tile"][data-peer-name=${JSON.stringify(displayName)}]`,
  );
}

export function allTiles(page: Page): Locator {
  return page.getByTestId('participant-tile');
}

/**
 * Waits until the tile's video decodes frames: the tile says `data-media="flowing"`,
 * and the <video> has a size and its currentTime keeps advancing.
 */
export async function expectVideoPlaying(tile: Locator): Promise<void> {
  await expect(tile).toHaveAttribute('data-media', 'flowing', { timeout: 30_000 });
  const video = tile.locator('video');
  const start = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 15_000 })
    .toBeGreaterThan(0);
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 })
    .toBeGreaterThan(start + 0.5);
}

/**
 * The recording page's player: waits for a duration above `minSeconds`,
 * seeks (muted) to the middle, plays, and waits until playback is `advance`
 * seconds past it. Resolves with the middle it sought to.
 */
export async function playsFromTheMiddle(
  page: Page,
  { minSeconds, advance }: { minSeconds: number; advance: number },
): Promise<number> {
  const player = page.getByTestId('recording-player');
  await expect
    .poll(() => player.evaluate((v: HTMLVideoElement) => v.duration), { timeout: 20_000 })
    .toBeGreaterThan(minSeconds);
  const middle = await player.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    const target = v.duration / 2;
    const seeked = new Promise((resolve) => v.addEventListener('seeked', resolve, { once: true }));
    v.currentTime = target;
    await seeked;
    await v.play();
    return target;
  });
  await expect
    .poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 })
    .toBeGreaterThan(middle + advance);
  return middle;
}
