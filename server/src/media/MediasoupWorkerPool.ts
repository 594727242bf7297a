/**
 * Owns the mediasoup Workers: one per core by default. Hands out the
 * least-loaded worker for a new router, replaces a worker that dies, and
 * tells its owner which worker died so the rooms on it can be closed.
 */
import type * as mediasoupModule from 'mediasoup';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../logger';
import { EnhancedEventEmitter } from '../utils/EnhancedEventEmitter';
import { ensureWorkerBinary } from './workerBinary';

export interface WorkerPoolOptions {
  numWorkers: number;
  workerBin: string | undefined;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel: ms.WorkerLogLevel;
  logger: Logger;
}

export interface WorkerPoolEvents {
  /** A worker died; the routers on it are gone. A replacement is being started. */
  workerDied: [worker: ms.Worker, error: Error];
  /** A worker is ready for routers (at start-up or replacing a dead one). */
  workerStarted: [worker: ms.Worker];
  listenerError: [event: string, error: unknown];
}

type Mediasoup = typeof mediasoupModule;

export class MediasoupWorkerPool extends EnhancedEventEmitter<WorkerPoolEvents> {
  readonly #mediasoup: Mediasoup;
  readonly #options: WorkerPoolOptions;
  readonly #logger: Logger;
  /** Worker -> number of routers created on it and still open. */
  readonly #load = new Map<ms.Worker, number>();
  #closed = false;

  /** Loads mediasoup (after pointing it at the worker binary) and starts the workers. */
  static async create(options: WorkerPoolOptions): Promise<MediasoupWorkerPool> {
    ensureWorkerBinary(options.workerBin);
    const mediasoup = await import('mediasoup');
    const pool = new MediasoupWorkerPool(mediasoup, options);
    try {
      await Promise.all(Array.from({ length: options.numWorkers }, () => pool.#spawn()));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  private constructor(mediasoup: Mediasoup, options: WorkerPoolOptions) {
    super();
    this.#mediasoup = mediasoup;
    this.#options = options;
    this.#logger = options.logger.child({ module: 'worker-pool' });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get workers(): ms.Worker[] {
    return [...this.#load.keys()];
  }

  async #spawn(): Promise<ms.Worker> {
    const { rtcMinPort, rtcMaxPort, logLevel } = this.#options;
    const worker = await this.#mediasoup.createWorker({ rtcMinPort, rtcMaxPort, logLevel });
    if (this.#closed) {
      worker.close();
      throw new Error('worker pool closed');
    }
    this.#load.set(worker, 0);
    this.#logger.info({ pid: worker.pid }, 'mediasoup worker started');
    this.safeEmit('workerStarted', worker);
    worker.on('died', (error) => {
      this.#load.delete(worker);
      this.#logger.error({ pid: worker.pid, err: error }, 'mediasoup worker died; replacing it');
      this.safeEmit('workerDied', worker, error);
      if (!this.#closed) {
        this.#spawn().catch((spawnError: unknown) =>
          this.#logger.error({ err: spawnError }, 'could not replace dead mediasoup worker'),
        );
      }
    });
    return worker;
  }

  /** Creates a router on the worker with the fewest routers. */
  async createRouter(mediaCodecs: ms.RtpCodecCapability[]): Promise<ms.Router> {
    if (this.#closed) throw new Error('worker pool closed');
    let best: ms.Worker | undefined;
    for (const [worker, load] of this.#load) {
      if (!best || load < this.#load.get(best)!) best = worker;
    }
    if (!best) throw new Error('no mediasoup worker available');
    const worker = best;
    this.#load.set(worker, this.#load.get(worker)! + 1);
    try {
      const router = await worker.createRouter({ mediaCodecs });
      router.observer.once('close', () => {
        const load = this.#load.get(worker);
        if (load !== undefined) this.#load.set(worker, load - 1);
      });
      return router;
    } catch (error) {
      const load = this.#load.get(worker);
      if (load !== undefined) this.#load.set(worker, load - 1);
      throw error;
    }
  }

  /** Resolves when every worker answers; rejects naming the first that does not. */
  async check(): Promise<{ workers: number }> {
    if (this.#closed || this.#load.size === 0) throw new Error('no mediasoup worker alive');
    await Promise.all(this.workers.map((w) => w.getResourceUsage()));
    return { workers: this.#load.size };
  }

  /** Idempotent: closes every worker. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const worker of this.#load.keys()) worker.close();
    this.#load.clear();
  }
}
