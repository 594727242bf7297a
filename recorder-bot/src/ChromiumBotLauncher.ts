/** Launches in-process Chromium recorder bots and closes any left at shutdown. */
import type { Logger } from 'pino';
import { ChromiumRecorderBot } from './ChromiumRecorderBot';
import type { RecorderBot, RecorderBotLauncher, RecorderJob } from './types';

export interface ChromiumBotLauncherOptions {
  chromiumPath: string;
  logger: Logger;
}

export class ChromiumBotLauncher implements RecorderBotLauncher {
  readonly #options: ChromiumBotLauncherOptions;
  readonly #bots = new Map<string, ChromiumRecorderBot>();
  /** Teardowns of closed bots still in progress, awaited by close(). */
  readonly #exiting = new Set<Promise<void>>();

  constructor(options: ChromiumBotLauncherOptions) {
    this.#options = options;
  }

  /** Bots currently running (for tests and diagnostics). */
  get running(): number {
    return this.#bots.size;
  }

  async launch(job: RecorderJob): Promise<RecorderBot> {
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
