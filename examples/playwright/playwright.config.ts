/**
 * An example suite written the way another team would write theirs: only
 * the public fixture (`classroom-recorder/playwright`), against a running
 * server. Run it with
 *   CLASSROOM_URL=http://127.0.0.1:3000 CLASSROOM_ADMIN_EMAIL=… CLASSROOM_ADMIN_PASSWORD=… \
 *     npx playwright test -c examples/playwright/playwright.config.ts
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'tests',
  outputDir: '../../test-results/examples',
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: '../../playwright-report/examples' }],
  ],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    trace: 'retain-on-failure',
  },
});
