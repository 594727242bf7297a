/**
 * Playwright fixtures: a real ClassroomServer per worker (port 0, temporary
 * DATA_DIR, its own mediasoup worker) with an instructor and two students,
 * and `openParticipant(user)`: a fresh browser context (its own
 * sessionStorage), signed in through the UI. Contexts close after each test,
 * the server after the worker.
 */
import { fileURLToPath } from 'node:url';
import { test as base, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { UserRole } from '#db/schema';
import {
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../server/test/helpers/testServer';
import { loginThroughUi } from './classroom';

/** Wraps the configured Chromium with `nice` (see the script for why). */
const lowPriorityChromium = fileURLToPath(new URL('./low-priority-chromium.sh', import.meta.url));

/**
 * The recording profile of the e2e server. Three participant browsers, the
 * recorder bot, the server and mediasoup share the CI machine's two cores, so
 * the e2e records at 640x360@15 by default (at 30 fps the recorder page drops
 * compositor ticks with real participant browsers on two cores); the benchmark (synthetic
 * participants) measures the default 1280x720@30 profile. E2E_RECORDING_*
 * variables override it.
 */
export function e2eServerEnv(): Record<string, string> {
  return {
    RECORDING_WIDTH: process.env.E2E_RECORDING_WIDTH ?? '640',
    RECORDING_HEIGHT: process.env.E2E_RECORDING_HEIGHT ?? '360',
    RECORDING_FPS: process.env.E2E_RECORDING_FPS ?? '15',
    RECORDING_VIDEO_CODEC: process.env.E2E_RECORDING_VIDEO_CODEC ?? 'h264',
    // As in production: every finished recording gets its HLS renditions.
    HLS_ENABLED: 'true',
  };
}

export interface Classroom {
  /** Base URL of the server, e.g. http://127.0.0.1:41234. */
  url: string;
  server: TestServer;
  users: { instructor: TestUser; student1: TestUser; student2: TestUser };
  createUser(role: UserRole, name?: string): Promise<TestUser>;
  /**
   * Creates the class `roomId`: owned by the instructor, both students its
   * members (rooms admit only their owner, members and admins). Returns the id.
   */
  createClass(roomId: string): Promise<string>;
}

export interface Participant {
  user: TestUser;
  context: BrowserContext;
  page: Page;
}

interface TestFixtures {
  /** Opens a new browser context for `user` and signs in through the login form. */
  openParticipant: (user: TestUser) => Promise<Participant>;
  /**
   * Like openParticipant, but in a browser of its own. Contexts of one browser
   * share its fake camera (identical frames); tests that must tell
   * participants' pictures apart give each one its own browser.
   */
  openParticipantInOwnBrowser: (
    user: TestUser,
    options?: {
      viewport?: { width: number; height: number };
      lowPriority?: boolean;
      /** Extra Chromium flags for this browser (e.g. fake media files). */
      args?: string[];
    },
  ) => Promise<Participant>;
}

interface WorkerFixtures {
  classroom: Classroom;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  classroom: [
    // Playwright reads fixture dependencies from the destructuring pattern: it must stay.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startTestServer(e2eServerEnv());
      try {
        const users = {
          instructor: await server.createUser('instructor', 'Ivy Instructor'),
          student1: await server.createUser('student', 'Sam Student'),
          student2: await server.createUser('student', 'Sasha Student'),
        };
        await use({
          url: server.url,
          server,
          users,
          createUser: (role, name) => server.createUser(role, name),
          createClass: (roomId) =>
            server.createRoom(users.instructor, {
              roomId,
              members: [users.student1, users.student2],
            }),
        });
      } finally {
        await server.close();
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  baseURL: async ({ classroom }, use) => {
    await use(classroom.url);
  },

  openParticipant: async ({ browser, classroom, permissions, viewport }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (user) => {
      const context = await browser.newContext({
        baseURL: classroom.url,
        permissions: permissions ?? ['camera', 'microphone'],
        viewport: viewport ?? { width: 1280, height: 720 },
      });
      contexts.push(context);
      const page = await context.newPage();
      if (process.env.E2E_BROWSER_LOGS) {
        page.on('console', (m) =>
          process.stderr.write(`[${user.fullName}] ${m.type()}: ${m.text()}\n`),
        );
      }
      page.on('pageerror', (e) =>
        process.stderr.write(`[${user.fullName}] page error: ${e.message}\n`),
      );
      await loginThroughUi(page, user);
      return { user, context, page };
    });
    await Promise.all(contexts.map((context) => context.close()));
  },

  openParticipantInOwnBrowser: async (
    { playwright, launchOptions, classroom, permissions, viewport },
    use,
  ) => {
    const browsers: Browser[] = [];
    await use(async (user, options = {}) => {
      const browser = await playwright.chromium.launch({
        ...launchOptions,
        args: [...(launchOptions.args ?? []), ...(options.args ?? [])],
        ...(options.lowPriority ? { executablePath: lowPriorityChromium } : {}),
      });
      browsers.push(browser);
      const context = await browser.newContext({
        baseURL: classroom.url,
        permissions: permissions ?? ['camera', 'microphone'],
        viewport: options.viewport ?? viewport ?? { width: 1280, height: 720 },
      });
      const page = await context.newPage();
      page.on('pageerror', (e) =>
        process.stderr.write(`[${user.fullName}] page error: ${e.message}\n`),
      );
      await loginThroughUi(page, user);
      return { user, context, page };
    });
    await Promise.all(browsers.map((browser) => browser.close()));
  },
});

export { expect } from '@playwright/test';
