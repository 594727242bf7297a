/**
 * Scheduled maintenance on the durable queue: retention (deleting finished
 * recordings past RECORDING_RETENTION_DAYS, when RECORDING_AUTO_DELETE is on)
 * and the integrity scrub. pg-boss keeps the schedules in the database, so
 * with several servers each occurrence runs once, on whichever server takes
 * it; a pass that fails is retried. What a pass deletes or finds is logged
 * and audited by the services it calls.
 */
import type { Logger } from '../logger';
import type { JobQueue } from './JobQueue';

export const RETENTION_QUEUE = 'retention';
export const SCRUB_QUEUE = 'integrity-scrub';

interface ScheduledPass {
  cron: string;
  run: () => Promise<unknown>;
}

export class MaintenanceJobs {
  readonly #queue: JobQueue;
  readonly #log: Logger;
  readonly #passes: Array<[string, ScheduledPass | null]>;

  constructor(options: {
    queue: JobQueue;
    logger: Logger;
    retention: ScheduledPass | null;
    scrub: ScheduledPass | null;
  }) {
    this.#queue = options.queue;
    this.#log = options.logger.child({ module: 'maintenance' });
    this.#passes = [
      [RETENTION_QUEUE, options.retention],
      [SCRUB_QUEUE, options.scrub],
    ];
  }

  async start(): Promise<void> {
    for (const [name, pass] of this.#passes) {
      // Declared and worked everywhere (a job may come from any server's schedule).
      await this.#queue.register(
        name,
        { policy: 'singleton', retryLimit: 2, retryDelay: 60, retryBackoff: true },
        async () => {
          if (!pass) return;
          const started = Date.now();
          const result = await pass.run();
          this.#log.info({ job: name, result, ms: Date.now() - started }, 'maintenance pass done');
        },
        { pollSeconds: 30 },
      );
      // The last server to start decides: a server with auto-delete off turns it off for all.
      await this.#queue.schedule(name, pass ? pass.cron : null);
    }
  }

  /** Runs one pass of `name` now, through the queue (an admin's or a test's request). */
  async runNow(name: typeof RETENTION_QUEUE | typeof SCRUB_QUEUE): Promise<string | null> {
    return this.#queue.send(name, {});
  }
}
