/**
 * The server's bot launcher: each bot becomes a job on the durable queue
 * (pg-boss, at most one active job per room) that whichever recorder
 * worker has room takes, embedded in this server or on another machine.
 * `launch()` answers a RemoteBot at once; the worker attaches to it over
 * the control channel. A bot that closes has its job settled here, so the
 * room's next bot (a replacement) is never held behind a dead one.
 */
import type { Logger } from '../logger';
import type { JobQueue } from '../jobs/JobQueue';
import type { RecorderBotLauncher, RecorderJob } from '#recorder-bot/types';
import { parseRecorderParams } from '#protocol/recorderPage';
import { RECORDER_JOB_QUEUE, type RecorderJobPayload } from '#protocol/recorderControl';
import { RemoteBot } from './RemoteBot';

export interface QueuedBotLauncherOptions {
  queue: JobQueue;
  /** Base URL at which workers reach this server. */
  serverUrl: () => string;
  heartbeatMs: number;
  lapseMs: number;
  claimTimeoutMs: number;
  /** The longest a recording runs: its bots' jobs may stay active that long. */
  maxDurationSeconds: number;
  logger: Logger;
}

/** pg-boss's own backstop for a job whose worker died with this server: its minimum. */
const JOB_HEARTBEAT_SECONDS = 30;

export class QueuedBotLauncher implements RecorderBotLauncher {
  readonly #options: QueuedBotLauncherOptions;
  readonly #log: Logger;
  /** Live bots by bot id (the recorder token's id). */
  readonly #bots = new Map<string, RemoteBot>();
  readonly #settling = new Set<Promise<void>>();
  #started?: Promise<void>;

  constructor(options: QueuedBotLauncherOptions) {
    this.#options = options;
    this.#log = options.logger.child({ module: 'bot-launcher' });
  }

  /** Declares the queue: one active job per room, no automatic retry (the session decides). */
  start(): Promise<void> {
    this.#started ??= this.#options.queue.declare(RECORDER_JOB_QUEUE, {
      policy: 'singleton',
      retryLimit: 0,
      heartbeatSeconds: JOB_HEARTBEAT_SECONDS,
    });
    return this.#started;
  }

  /** The live bot with this id, for the control channel. */
  botFor(botId: string): RemoteBot | undefined {
    return this.#bots.get(botId);
  }

  get bots(): ReadonlyMap<string, RemoteBot> {
    return this.#bots;
  }

  async launch(job: RecorderJob): Promise<RemoteBot> {
    await this.start();
    const { queue, heartbeatMs, lapseMs, claimTimeoutMs, maxDurationSeconds, logger } =
      this.#options;
    const url = new URL(job.pageUrl);
    const params = parseRecorderParams(url.search, url.hash);
    if (!params.ok) throw new Error(params.message);
    const bot = new RemoteBot({ job, heartbeatMs, lapseMs, claimTimeoutMs, logger });
    this.#bots.set(job.botId, bot);
    const payload: RecorderJobPayload = {
      version: 1,
      serverUrl: this.#options.serverUrl(),
      token: params.params.token,
      bot: job,
      heartbeatMs,
      lapseMs,
    };
    let jobId: string | null;
    try {
      jobId = await queue.send(RECORDER_JOB_QUEUE, payload, {
        singletonKey: job.roomId,
        retryLimit: 0,
        expireInSeconds: maxDurationSeconds + 3600,
        heartbeatSeconds: JOB_HEARTBEAT_SECONDS,
      });
    } catch (error) {
      this.#bots.delete(job.botId);
      bot.close('could not queue the job');
      throw error;
    }
    this.#log.info({ recordingId: job.recordingId, botId: job.botId, jobId }, 'bot job queued');
    bot.once('close', (reason) => {
      this.#bots.delete(job.botId);
      if (!jobId) return;
      const settle = this.#settle(jobId, bot, reason).finally(() => this.#settling.delete(settle));
      this.#settling.add(settle);
    });
    return bot;
  }

  /**
   * Withdraws the job if nobody took it. A live worker completes its job
   * itself as soon as its bot closes (before confirming): it is only failed
   * here if the worker was lost, or never confirmed.
   */
  async #settle(jobId: string, bot: RemoteBot, reason: string): Promise<void> {
    const { queue } = this.#options;
    try {
      if (bot.worker && !bot.workerLost) await bot.exited();
      const state = await queue.stateOf(RECORDER_JOB_QUEUE, jobId);
      if (state === 'created' || state === 'retry') await queue.cancel(RECORDER_JOB_QUEUE, jobId);
      else if (state === 'active') await queue.fail(RECORDER_JOB_QUEUE, jobId, { reason });
    } catch (error) {
      this.#log.warn({ err: error, jobId }, 'could not settle a bot job');
    }
  }

  async close(): Promise<void> {
    const bots = [...this.#bots.values()];
    for (const bot of bots) bot.close('server shutting down');
    await Promise.all(bots.map((bot) => bot.exited()));
    await Promise.allSettled([...this.#settling]);
  }
}
