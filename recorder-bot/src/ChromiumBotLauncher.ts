/**
 * Launches in-process Chromium recorder bots and closes any left at
 * shutdown. Before the first launch it kills the browsers a previous
 * process left under the same profile root (see orphanBrowsers.ts).
 */
import type { Logger } from 'pino';
import { ChromiumRecorderBot } from './ChromiumRecorderBot';
import { killOrphanBrowsers } from './orphanBrowsers';
import type { RecorderBot, RecorderBotLauncher, RecorderJob } from './types';

export interface ChromiumBotLauncherOptions {
  chromiumPath: string;
  logger: Logger;
  /** One directory per server for the bots' Chromium profiles (DATA_DIR/bots). */
  profileRoot: string;
}

export class ChromiumBotLauncher implements RecorderBotLauncher {
  readonly #options: ChromiumBotLauncherOptions;
  readonly #bots = new Map<string, ChromiumRecorderBot>();
  /** Teardowns of closed bots still in progress, awaited by close(). */
  readonly #exiting = new Set<Promise<void>>();
  #swept: Promise<void> | undefined;

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

  async launch(job: RecorderJob): Promise<RecorderBot> {
    await this.start();
    const bot = new ChromiumRecorderBot({ job, ...this.#options });
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
    const bots = [...this.#bots.values()];
    for (const bot of bots) bot.close('launcher closed');
    await Promise.all([...bots.map((bot) => bot.exited()), ...this.#exiting]);
  }
}
