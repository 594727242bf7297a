/**
 * The durable job queue: pg-boss on the server's own database (PGlite in
 * the embedded default, PostgreSQL with DATABASE_URL: one code path). Jobs
 * survive restarts, failed ones are retried with backoff, and a job killed
 * mid-way runs again. Owned by ClassroomServer; `close()` stops taking jobs
 * and waits for the running ones.
 */
import { EventEmitter } from 'node:events';
import { PgBoss, fromPglite, type Job, type Queue, type SendOptions } from 'pg-boss';
import type { QueueConnection } from '#db/client';
import type { Logger } from '../logger';

export type JobHandler<T> = (data: T, job: { id: string; retryCount: number }) => Promise<void>;

/** A job taken with {@link JobQueue.take}: the caller settles it (complete/fail). */
export type TakenJob<T> = Pick<Job<T>, 'id' | 'name' | 'data' | 'retryCount'>;

export class JobQueue {
  readonly #boss: PgBoss;
  readonly #log: Logger;
  #started = false;
  #closing?: Promise<void>;
  /** Wakes this process's takers as soon as a job is sent here (no poll delay). */
  readonly #sent = new EventEmitter().setMaxListeners(0);

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

  /**
   * Declares a queue (idempotent) and works its jobs one at a time. A job
   * sent by this process is picked up at once; others within `pollSeconds`.
   */
  async register<T extends object>(
    name: string,
    options: Omit<Queue, 'name'>,
    handler: JobHandler<T>,
    { pollSeconds = 2 }: { pollSeconds?: number } = {},
  ): Promise<void> {
    if (!(await this.#boss.getQueue(name))) await this.#boss.createQueue(name, options);
    const workerId = await this.#boss.work<T>(
      name,
      { batchSize: 1, pollingIntervalSeconds: pollSeconds },
      async ([job]) => {
        if (!job) return;
        await handler(job.data, {
          id: job.id,
          retryCount: (job as { retryCount?: number }).retryCount ?? 0,
        });
      },
    );
    this.#sent.on(name, () => this.#boss.notifyWorker(workerId));
  }

  /** Declares a queue once (idempotent) without working it here. */
  async declare(name: string, options: Omit<Queue, 'name'>): Promise<void> {
    if (!(await this.#boss.getQueue(name))) await this.#boss.createQueue(name, options);
  }

  /**
   * Sends a job of `name` on a cron schedule, once per occurrence across
   * every process sharing the queue (pg-boss keeps the schedule in the
   * database); `null` removes the schedule.
   */
  async schedule(name: string, cron: string | null): Promise<void> {
    if (cron === null) await this.#boss.unschedule(name);
    else await this.#boss.schedule(name, cron, {}, { tz: 'UTC' });
  }

  /** Enqueues a job; resolves with its id (null when a queue policy refused it). */
  async send(name: string, data: object, options: SendOptions = {}): Promise<string | null> {
    const id = await this.#boss.send(name, data, options);
    if (id) this.#sent.emit(name);
    return id;
  }

  /**
   * Takes at most one job of `name` for a caller that decides itself when it
   * has room for work (admission control) and settles the job itself.
   */
  async take<T extends object>(name: string): Promise<TakenJob<T> | undefined> {
    const [job] = await this.#boss.fetch<T>(name, { batchSize: 1 });
    return job
      ? { id: job.id, name: job.name, data: job.data, retryCount: job.retryCount }
      : undefined;
  }

  /** Calls `listener` whenever this process sends a job of `name`; returns the unsubscribe. */
  onSent(name: string, listener: () => void): () => void {
    this.#sent.on(name, listener);
    return () => this.#sent.off(name, listener);
  }

  complete(name: string, id: string, output?: object): Promise<unknown> {
    return this.#boss.complete(name, id, output ?? null);
  }

  /** Fails an active job (no-op for one already settled); retries follow the queue's policy. */
  fail(name: string, id: string, output?: object): Promise<unknown> {
    return this.#boss.fail(name, id, output ?? null);
  }

  /** Withdraws a job nobody took yet. */
  cancel(name: string, id: string): Promise<unknown> {
    return this.#boss.cancel(name, id);
  }

  /**
   * Fails (so that it is retried) every job of `name` still `active`: on a
   * queue only this node works, at start-up those were running when this
   * node's previous process died, and pg-boss would otherwise hold them
   * until they expire. Resolves with how many it failed.
   */
  async failOrphaned(name: string, reason: string): Promise<number> {
    if (!(await this.#boss.getQueue(name))) return 0;
    const jobs = await this.#boss.findJobs(name, { limit: 100_000 });
    const orphans = jobs.filter((job) => job.state === 'active');
    for (const job of orphans) await this.#boss.fail(name, job.id, { reason });
    if (orphans.length > 0) this.#log.warn({ queue: name, count: orphans.length }, reason);
    return orphans.length;
  }

  /** Keeps a long job's heartbeat fresh (queues declared with `heartbeatSeconds`). */
  touch(name: string, id: string): Promise<unknown> {
    return this.#boss.touch(name, id);
  }

  /** The job's current state ('created', 'active', 'completed', 'failed', ...), or null. */
  async stateOf(name: string, id: string): Promise<string | null> {
    const [job] = await this.#boss.findJobs(name, { id });
    return job?.state ?? null;
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
