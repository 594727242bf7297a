/**
 * A recorder worker: takes bot jobs from the durable queue while it has
 * room for them (admission control), runs each as a BotRun, and writes a
 * heartbeat row (what it runs, how much room is left) every heartbeat so
 * that every server can list it. The same class runs embedded in a server
 * (RECORDER_WORKERS=embedded) and as `npm run worker` on other machines.
 * `close()` stops taking jobs, closes its bots (their servers replace them
 * on other workers) and removes its row.
 */
import type { Logger } from 'pino';
import type { RecorderBotLauncher } from '#recorder-bot/types';
import type { JobQueue, TakenJob } from '#server/jobs/JobQueue';
import type { RecorderWorkersRepository } from '#db/repositories/RecorderWorkersRepository';
import type { WorkerBotEntry } from '#db/schema';
import { RECORDER_JOB_QUEUE, recorderJobPayloadSchema } from '#protocol/recorderControl';
import { EnhancedEventEmitter } from '#server/utils/EnhancedEventEmitter';
import { HostSampler, refusal, type AdmissionLimits, type HostSample } from './admission';
import { BotRun, type WorkerIdentity } from './BotRun';

export interface RecorderWorkerOptions {
  identity: WorkerIdentity;
  /** The server this worker is embedded in, or null. */
  nodeId: string | null;
  queue: JobQueue;
  launcher: RecorderBotLauncher;
  registry: RecorderWorkersRepository;
  limits: AdmissionLimits;
  heartbeatMs: number;
  /** Queue poll period when idle (a job sent by this same process wakes it at once). */
  pollMs: number;
  logger: Logger;
  sampler?: HostSampler;
}

interface RecorderWorkerEvents {
  /** A job was taken and its bot is launching. */
  took: [run: BotRun];
  '@close': [];
  listenerError: [event: string, error: unknown];
}

/** A pg-boss job's heartbeat is refreshed this often (its queue expects one every 30 s). */
const JOB_TOUCH_MS = 10_000;
/** Rows of workers silent for this long are removed by whichever worker notices. */
const PRUNE_AFTER_MS = 5 * 60_000;
const PRUNE_EVERY_BEATS = 60;

export class RecorderWorker extends EnhancedEventEmitter<RecorderWorkerEvents> {
  readonly #options: RecorderWorkerOptions;
  readonly #log: Logger;
  readonly #sampler: HostSampler;
  readonly #runs = new Map<string, { run: BotRun; job: TakenJob<object> }>();
  readonly #startedAt = new Date();
  #sample: HostSample;
  #refusing: string | null = null;
  #beats = 0;
  #heartbeatTimer?: NodeJS.Timeout;
  #touchTimer?: NodeJS.Timeout;
  #wake?: () => void;
  #unsubscribe?: () => void;
  #loop?: Promise<void>;
  #closing?: Promise<void>;

  constructor(options: RecorderWorkerOptions) {
    super();
    this.#options = options;
    this.#sampler = options.sampler ?? new HostSampler();
    this.#sample = this.#sampler.sample();
    this.#log = options.logger.child({
      module: 'recorder-worker',
      workerId: options.identity.workerId,
    });
  }

  get id(): string {
    return this.#options.identity.workerId;
  }

  /** Bots running now. */
  get running(): number {
    return this.#runs.size;
  }

  async start(): Promise<void> {
    const { launcher, heartbeatMs, queue } = this.#options;
    // Before taking a job: no browser of a dead predecessor may keep recording.
    await launcher.start?.();
    await this.#heartbeat();
    this.#heartbeatTimer = setInterval(() => void this.#heartbeat(), heartbeatMs);
    this.#heartbeatTimer.unref();
    this.#touchTimer = setInterval(() => this.#touchJobs(), JOB_TOUCH_MS);
    this.#touchTimer.unref();
    this.#unsubscribe = queue.onSent(RECORDER_JOB_QUEUE, () => this.#wake?.());
    this.#loop = this.#takeJobs();
    this.#log.info({ limits: this.#options.limits }, 'recorder worker started');
  }

  async #takeJobs(): Promise<void> {
    const { queue, limits, pollMs } = this.#options;
    while (!this.#closing) {
      this.#refusing = refusal(this.#runs.size, this.#sample, limits);
      let job: TakenJob<object> | undefined;
      if (!this.#refusing) {
        job = await queue.take<object>(RECORDER_JOB_QUEUE).catch((error: unknown) => {
          this.#log.warn({ err: error }, 'could not take a job');
          return undefined;
        });
      }
      if (job && !this.#closing) {
        this.#startRun(job);
        continue;
      }
      if (job) await queue.fail(RECORDER_JOB_QUEUE, job.id, { reason: 'worker stopping' });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
  }

  #startRun(job: TakenJob<object>): void {
    const { queue, launcher, identity, logger } = this.#options;
    const parsed = recorderJobPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      this.#log.error({ jobId: job.id, issues: parsed.error.issues }, 'malformed bot job');
      void queue
        .fail(RECORDER_JOB_QUEUE, job.id, { reason: 'malformed job' })
        .catch(() => undefined);
      return;
    }
    const run = new BotRun({
      payload: parsed.data,
      launcher,
      identity,
      logger,
      settle: async (reason) => {
        await queue.complete(RECORDER_JOB_QUEUE, job.id, { reason });
      },
    });
    this.#runs.set(run.botId, { run, job });
    this.#log.info(
      { jobId: job.id, recordingId: run.recordingId, botId: run.botId },
      'took a bot job',
    );
    run.once('@close', () => {
      this.#runs.delete(run.botId);
      void this.#heartbeat();
      this.#wake?.();
    });
    this.safeEmit('took', run);
    void run.run();
  }

  #touchJobs(): void {
    for (const { job } of this.#runs.values()) {
      this.#options.queue.touch(RECORDER_JOB_QUEUE, job.id).catch((error: unknown) => {
        this.#log.warn({ err: error, jobId: job.id }, 'could not refresh a job heartbeat');
      });
    }
  }

  /** Bots as the heartbeat row lists them. */
  bots(): WorkerBotEntry[] {
    return [...this.#runs.values()].map(({ run }) => {
      const beat = run.heartbeat;
      return {
        recordingId: run.recordingId,
        roomId: run.roomId,
        botId: run.botId,
        browserPid: beat.browserPid,
        state: beat.state,
        startedAt: run.startedAt.toISOString(),
        page: beat.page ? { ...beat.page } : null,
        lastError: beat.lastError,
      };
    });
  }

  async #heartbeat(): Promise<void> {
    const { registry, identity, nodeId, limits } = this.#options;
    this.#sample = this.#sampler.sample();
    const wasRefusing = this.#refusing;
    this.#refusing = refusal(this.#runs.size, this.#sample, limits);
    if (wasRefusing && !this.#refusing) this.#wake?.();
    if (this.#closing) return;
    try {
      await registry.heartbeat({
        id: identity.workerId,
        host: identity.host,
        pid: identity.pid,
        nodeId,
        maxBots: limits.maxBots,
        bots: this.bots(),
        idleCpu: this.#sample.idleCpu,
        freeMemoryMb: this.#sample.freeMemoryMb,
        refusing: this.#refusing,
        startedAt: this.#startedAt,
      });
      this.#beats += 1;
      if (this.#beats % PRUNE_EVERY_BEATS === 0) await registry.pruneSilent(PRUNE_AFTER_MS);
    } catch (error) {
      this.#log.warn({ err: error }, 'could not write the worker heartbeat');
    }
  }

  /** Idempotent: stops taking jobs, closes every bot, waits for them, removes the row. */
  close(reason = 'worker stopping'): Promise<void> {
    this.#closing ??= this.#doClose(reason);
    return this.#closing;
  }

  async #doClose(reason: string): Promise<void> {
    clearInterval(this.#heartbeatTimer);
    clearInterval(this.#touchTimer);
    this.#unsubscribe?.();
    this.#wake?.();
    await this.#loop;
    const runs = [...this.#runs.values()].map(({ run }) => run);
    await Promise.all(
      runs.map(
        (run) =>
          new Promise<void>((resolve) => {
            run.once('@close', () => resolve());
            run.close(reason);
          }),
      ),
    );
    const { registry, identity } = this.#options;
    await registry.remove(identity.workerId, identity.pid).catch(() => undefined);
    this.#log.info('recorder worker stopped');
    this.safeEmit('@close');
  }
}
