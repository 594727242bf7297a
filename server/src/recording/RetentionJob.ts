/**
 * RECORDING_AUTO_DELETE: once at start and then hourly, deletes finished
 * recordings older than RECORDING_RETENTION_DAYS. A retention policy, not a
 * sweep for dead objects: live sessions are never touched (only ready and
 * failed recordings qualify).
 */
import type { Logger } from '../logger';
import type { RecordingService } from './RecordingService';

export interface RetentionJobOptions {
  service: RecordingService;
  retentionDays: number;
  intervalMs?: number;
  logger: Logger;
}

export class RetentionJob {
  readonly #options: Required<RetentionJobOptions>;
  readonly #log: Logger;
  #timer?: NodeJS.Timeout;
  #running?: Promise<number>;
  #closed = false;

  constructor({ intervalMs = 3_600_000, ...rest }: RetentionJobOptions) {
    this.#options = { intervalMs, ...rest };
    this.#log = rest.logger.child({ module: 'retention' });
  }

  start(): void {
    if (this.#closed || this.#timer) return;
    void this.runOnce();
    this.#timer = setInterval(() => void this.runOnce(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** One pass; concurrent calls share it. Never rejects (failures are logged). */
  runOnce(now = new Date()): Promise<number> {
    this.#running ??= this.#options.service
      .expireOlderThan(this.#options.retentionDays, now)
      .then((count) => {
        if (count > 0)
          this.#log.info(
            { count, retentionDays: this.#options.retentionDays },
            'expired recordings deleted',
          );
        return count;
      })
      .catch((error: unknown) => {
        this.#log.error({ err: error }, 'retention pass failed');
        return 0;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** Idempotent; waits for a pass in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running;
  }
}
