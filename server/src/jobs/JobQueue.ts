/**
 * The durable job queue: pg-boss on the server's own database (PGlite in
 * the embedded default, PostgreSQL with DATABASE_URL: one code path). Jobs
 * survive restarts, failed ones are retried with backoff, and a job killed
 * mid-way runs again. Owned by ClassroomServer; `close()` stops taking jobs
 * and waits for the running ones.
 */
import { PgBoss, fromPglite, type Queue } from 'pg-boss';
import type { QueueConnection } from '#db/client';
import type { Logger } from '../logger';

export type JobHandler<T> = (data: T, job: { id: string; retryCount: number }) => Promise<void>;

export class JobQueue {
  readonly #boss: PgBoss;
  readonly #log: Logger;
  #started = false;
  #closing?: Promise<void>;

  constructor({ connection, logger }: { connection: QueueConnection; logger: Logger }) {
    this.#log = logger.child({ module: 'job-queue' });
    this.#boss =
      connection.kind === 'pglite'
        ? new PgBoss({ db: fromPglite(connection.pglite), backend: 'pglite' })
        : new PgBoss({ connectionString: connection.url, max: 4 });
    this.#boss.on('error', (error: unknown) => this.#log.error({ err: error }, 'job queue error'));
  }

  /** Creates pg-boss's schema if needed and starts maintenance. */
  async start(): Promise<void> {
    await this.#boss.start();
    this.#started = true;
  }

  /** Declares a queue (idempotent) and works its jobs one at a time. */
  async register<T extends object>(
    name: string,
    options: Omit<Queue, 'name'>,
    handler: JobHandler<T>,
  ): Promise<void> {
    if (!(await this.#boss.getQueue(name))) await this.#boss.createQueue(name, options);
    await this.#boss.work<T>(name, { batchSize: 1 }, async ([job]) => {
      if (!job) return;
      await handler(job.data, {
        id: job.id,
        retryCount: (job as { retryCount?: number }).retryCount ?? 0,
      });
    });
  }

  /** Enqueues a job; resolves with its id (null when a queue policy refused it). */
  send(
    name: string,
    data: object,
    options: { singletonKey?: string } = {},
  ): Promise<string | null> {
    return this.#boss.send(name, data, options);
  }

  /** Idempotent: stops fetching and waits (up to 10 s) for the jobs in hand. */
  close(): Promise<void> {
    this.#closing ??= this.#started
      ? this.#boss.stop({ graceful: true, timeout: 10_000 }).catch((error: unknown) => {
          this.#log.warn({ err: error }, 'job queue did not stop cleanly');
        })
      : Promise.resolve();
    return this.#closing;
  }
}
