import { and, asc, eq, gte, lt } from 'drizzle-orm';
import type { Database } from '../client';
import { recorderWorkers, type RecorderWorkerRow } from '../schema';

export type WorkerHeartbeat = Omit<RecorderWorkerRow, 'heartbeatAt'>;

/** The recorder workers' heartbeat rows: what runs where, seen from every node. */
export class RecorderWorkersRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Writes a worker's current state (insert or update), stamped `at`. */
  async heartbeat(worker: WorkerHeartbeat, at = new Date()): Promise<void> {
    const { id: _id, ...rest } = worker;
    await this.#db
      .insert(recorderWorkers)
      .values({ ...worker, heartbeatAt: at })
      .onConflictDoUpdate({ target: recorderWorkers.id, set: { ...rest, heartbeatAt: at } });
  }

  /** Workers whose last heartbeat is at most `maxAgeMs` old, by id. */
  async listLive(maxAgeMs: number, now = new Date()): Promise<RecorderWorkerRow[]> {
    return this.#db
      .select()
      .from(recorderWorkers)
      .where(gte(recorderWorkers.heartbeatAt, new Date(now.getTime() - maxAgeMs)))
      .orderBy(asc(recorderWorkers.id));
  }

  /** A worker that stops cleanly removes its row (only its own: `pid` guards a reused id). */
  async remove(id: string, pid: number): Promise<void> {
    await this.#db
      .delete(recorderWorkers)
      .where(and(eq(recorderWorkers.id, id), eq(recorderWorkers.pid, pid)));
  }

  /** Forgets workers silent for longer than `maxAgeMs` (dead without saying so). */
  async pruneSilent(maxAgeMs: number, now = new Date()): Promise<number> {
    const removed = await this.#db
      .delete(recorderWorkers)
      .where(lt(recorderWorkers.heartbeatAt, new Date(now.getTime() - maxAgeMs)))
      .returning({ id: recorderWorkers.id });
    return removed.length;
  }
}
