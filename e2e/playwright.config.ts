/**
 * End-to-end tests: Debian's Chromium (no Playwright browser download), fake
 * camera and microphone, one worker (each test runs several browsers and a
 * real server with mediasoup on a small machine). The server is started by
 * the worker-scoped `classroom` fixture in support/fixtures.ts.
 */
import { defineConfig } from '@playwright/test';

/** Chromium flags for a headless participant on a closed network. */
export const chromiumArgs = [
  '--no-sandbox',
  // 10 fps cameras: three participant browsers and the recorder share two cores in CI.
  '--use-fake-device-for-media-stream=fps=10',
  '--use-fake-ui-for-media-stream',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export default defineConfig({
  testDir: 'tests',
  outputDir: '../test-results',
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI
    ? [['list'], ['html', { open: 'never', outputFolder: '../playwright-report' }]]
    : 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
    },
    permissions: ['camera', 'microphone'],
    viewport: { width: 1280, height: 720 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
  },
});
