/**
 * Launches in-process Chromium recorder bots and closes any left at
 * shutdown. Before the first launch it kills the browsers a previous
 * process left under the same profile root (see orphanBrowsers.ts).
 *
 * With `warmBrowsers` > 0 it keeps that many browsers launched with the
 * recorder page loaded and waiting (for the server of the last job, or the
 * one given to `prewarm()`); a launch takes one over when it fits, and the
 * pool is refilled shortly after, once the new recording is under way.
 */
import type { Logger } from 'pino';
import { ChromiumRecorderBot } from './ChromiumRecorderBot';
import { killOrphanBrowsers } from './orphanBrowsers';
import { WarmBrowser } from './WarmBrowser';
import type { RecorderBot, RecorderBotLauncher, RecorderJob } from './types';

/**
 * A refill waits this long after a warm browser was taken: launching Chromium
 * costs a core for a second or so, which the recording just starting needs.
 */
const REFILL_DELAY_MS = 3_000;

export interface ChromiumBotLauncherOptions {
  chromiumPath: string;
  logger: Logger;
  /** One directory per server for the bots' Chromium profiles (DATA_DIR/bots). */
  profileRoot: string;
  /** Browsers kept launched and waiting (0: every bot launches its own). */
  warmBrowsers?: number;
}

export class ChromiumBotLauncher implements RecorderBotLauncher {
  readonly #options: ChromiumBotLauncherOptions;
  readonly #bots = new Map<string, ChromiumRecorderBot>();
  /** Teardowns of closed bots still in progress, awaited by close(). */
  readonly #exiting = new Set<Promise<void>>();
  #swept: Promise<void> | undefined;
  readonly #warm = new Set<WarmBrowser>();
  /** Warm browsers being launched (close() waits for them). */
  readonly #warming = new Set<Promise<void>>();
  /** The page URL warm browsers load and the viewport they get (learned from jobs, or prewarm()). */
  #warmFor?: { pageUrl: string; width: number; height: number };
  #refillTimer?: NodeJS.Timeout;
  #closed = false;

  constructor(options: ChromiumBotLauncherOptions) {
    this.#options = options;
  }

  /** Kills the browsers a previous process left under the profile root (once; launch() waits for it). */
  start(): Promise<void> {
    this.#swept ??= killOrphanBrowsers(this.#options.profileRoot).then(
      ({ killed, profilesRemoved }) => {
        if (killed.length > 0 || profilesRemoved > 0) {
          this.#options.logger.warn(
            { module: 'recorder-bot', killed, profilesRemoved },
            'killed recorder browsers left by a previous process',
          );
        }
      },
      (error: unknown) => {
        this.#options.logger.error({ err: error }, 'could not sweep orphan recorder browsers');
      },
    );
    return this.#swept;
  }

  /** Bots currently running (for tests and diagnostics). */
  get running(): number {
    return this.#bots.size;
  }

  /** Keeps warm browsers for recordings whose page is at `pageUrl` (any recorder URL of that server). */
  prewarm(target: { pageUrl: string; width: number; height: number }): void {
    this.#warmFor = target;
    this.#refill();
  }

  /** Warm browsers waiting now (for tests and diagnostics). */
  get warmCount(): number {
    return [...this.#warm].filter((w) => w.usable).length;
  }

  #refill(): void {
    const wanted = this.#options.warmBrowsers ?? 0;
    const target = this.#warmFor;
    if (this.#closed || !target || wanted === 0) return;
    for (const warm of this.#warm) {
      if (!warm.fits(target.pageUrl)) {
        this.#warm.delete(warm);
        void warm.close();
      }
    }
    while (this.#warm.size + this.#warming.size < wanted) {
      const launching: Promise<void> = WarmBrowser.launch({
        chromiumPath: this.#options.chromiumPath,
        profileRoot: this.#options.profileRoot,
        logger: this.#options.logger,
        ...target,
      })
        .then(
          (warm) => {
            if (this.#closed) return warm.close();
            this.#warm.add(warm);
          },
          (error: unknown) =>
            this.#options.logger.warn(
              { err: error, module: 'recorder-bot' },
              'could not launch a warm browser',
            ),
        )
        .finally(() => this.#warming.delete(launching));
      this.#warming.add(launching);
    }
  }

  /** A warm browser that fits the job, taken out of the pool. */
  #takeWarm(job: RecorderJob): WarmBrowser | undefined {
    for (const warm of this.#warm) {
      if (!warm.usable) {
        this.#warm.delete(warm);
        continue;
      }
      if (warm.fits(job.pageUrl)) {
        this.#warm.delete(warm);
        return warm;
      }
    }
    return undefined;
  }

  async launch(job: RecorderJob): Promise<RecorderBot> {
    await this.start();
    const warm = this.#takeWarm(job);
    if ((this.#options.warmBrowsers ?? 0) > 0) {
      this.#warmFor = { pageUrl: job.pageUrl, width: job.width, height: job.height };
      clearTimeout(this.#refillTimer);
      this.#refillTimer = setTimeout(() => this.#refill(), REFILL_DELAY_MS);
      this.#refillTimer.unref();
    }
    const bot = new ChromiumRecorderBot({ job, ...this.#options, ...(warm ? { warm } : {}) });
    this.#bots.set(job.recordingId, bot);
    bot.once('close', () => {
      this.#bots.delete(job.recordingId);
      const exit = bot.exited().finally(() => this.#exiting.delete(exit));
      this.#exiting.add(exit);
    });
    try {
      await bot.launch();
    } catch (error) {
      bot.close('launch failed');
      throw error;
    }
    return bot;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    const warm = [...this.#warm];
    this.#warm.clear();
    await Promise.all([...warm.map((w) => w.close()), ...this.#warming]);
    const bots = [...this.#bots.values()];
    for (const bot of bots) bot.close('launcher closed');
    await Promise.all([...bots.map((bot) => bot.exited()), ...this.#exiting]);
  }
}
