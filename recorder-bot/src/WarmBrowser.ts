/**
 * A recorder Chromium launched ahead of time with the recorder page loaded
 * in its warm mode, waiting for a recording: taking one over skips the
 * browser launch and the page load (most of a cold start). A warm browser
 * that dies while waiting is dropped; `close()` tears down one never taken.
 */
import type { Logger } from 'pino';
import type { Browser, Page } from 'puppeteer-core';
import { RECORDER_GLOBAL, warmPageUrl } from '#protocol/recorderPage';
import { closeRecorderBrowser, launchRecorderBrowser, reniceBrowser } from './recorderBrowser';

/**
 * Warm browsers launch niced: their launch (about a core for a second) must
 * not take frames from the recordings running meanwhile. Taken over, the
 * browser gets the normal priority back.
 */
const WARM_NICE = 10;

export interface WarmBrowserOptions {
  chromiumPath: string;
  profileRoot: string;
  /** Any recorder page URL of the server it will record for (its origin and path are used). */
  pageUrl: string;
  width: number;
  height: number;
  logger: Logger;
}

export class WarmBrowser {
  /** Where its page was loaded from: origin and path of the recorder page. */
  readonly place: string;
  readonly width: number;
  readonly height: number;
  readonly #browser: Browser;
  readonly #page: Page;
  readonly #userDataDir: string;
  readonly #log: Logger;
  #taken = false;
  #dead = false;

  private constructor(
    options: WarmBrowserOptions,
    launched: { browser: Browser; page: Page; userDataDir: string },
  ) {
    this.place = placeOf(options.pageUrl);
    this.width = options.width;
    this.height = options.height;
    this.#browser = launched.browser;
    this.#page = launched.page;
    this.#userDataDir = launched.userDataDir;
    this.#log = options.logger.child({ module: 'warm-browser' });
    this.#browser.once('disconnected', () => (this.#dead = true));
    this.#page.once('error', () => (this.#dead = true));
  }

  /** Launches Chromium and loads the warm page; resolves once the page waits for a recording. */
  static async launch(options: WarmBrowserOptions): Promise<WarmBrowser> {
    const { browser, userDataDir } = await launchRecorderBrowser({ ...options, nice: WARM_NICE });
    try {
      const [first] = await browser.pages();
      const page = first ?? (await browser.newPage());
      const response = await page.goto(warmPageUrl(options.pageUrl), {
        waitUntil: 'load',
        timeout: 30_000,
      });
      if (response && !response.ok()) {
        throw new Error(`warm recorder page answered HTTP ${response.status()}`);
      }
      await page.waitForFunction(
        (global) => typeof (window as unknown as Record<string, unknown>)[global] === 'object',
        { timeout: 10_000 },
        RECORDER_GLOBAL,
      );
      return new WarmBrowser(options, { browser, page, userDataDir });
    } catch (error) {
      await closeRecorderBrowser(browser, userDataDir, options.logger);
      throw error;
    }
  }

  /** Alive and not taken yet. */
  get usable(): boolean {
    return !this.#taken && !this.#dead && this.#browser.connected;
  }

  /** Whether a job whose page is at `pageUrl` can use it. */
  fits(pageUrl: string): boolean {
    return this.usable && placeOf(pageUrl) === this.place;
  }

  /** Hands the browser over (once), back at normal priority; undefined when no longer usable. */
  async take(): Promise<{ browser: Browser; page: Page; userDataDir: string } | undefined> {
    if (!this.usable) return undefined;
    this.#taken = true;
    const pid = this.#browser.process()?.pid;
    if (pid && !(await reniceBrowser(pid, 0))) {
      this.#log.warn({ pid }, 'could not restore the taken browser to normal priority');
    }
    return { browser: this.#browser, page: this.#page, userDataDir: this.#userDataDir };
  }

  /** Tears it down unless it was taken (the bot owns it then). */
  async close(): Promise<void> {
    if (this.#taken) return;
    this.#taken = true;
    await closeRecorderBrowser(this.#browser, this.#userDataDir, this.#log);
  }
}

function placeOf(pageUrl: string): string {
  const url = new URL(pageUrl);
  return `${url.origin}${url.pathname}`;
}
