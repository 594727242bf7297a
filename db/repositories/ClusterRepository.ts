import { and, asc, eq, gte, inArray, isNull, notInArray, or } from 'drizzle-orm';
import type { Database } from '../client';
import { clusterNodes, rooms, type ClusterNodeRow } from '../schema';

export type NodeHeartbeat = Omit<ClusterNodeRow, 'heartbeatAt'>;

/** The servers sharing the database, and which of them hosts each room. */
export class ClusterRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async heartbeat(node: NodeHeartbeat, at = new Date()): Promise<void> {
    const { id: _id, ...rest } = node;
    await this.#db
      .insert(clusterNodes)
      .values({ ...node, heartbeatAt: at })
      .onConflictDoUpdate({ target: clusterNodes.id, set: { ...rest, heartbeatAt: at } });
  }

  /** Servers whose heartbeat is at most `maxAgeMs` old. */
  async liveNodes(maxAgeMs: number, now = new Date()): Promise<ClusterNodeRow[]> {
    return this.#db
      .select()
      .from(clusterNodes)
      .where(gte(clusterNodes.heartbeatAt, new Date(now.getTime() - maxAgeMs)))
      .orderBy(asc(clusterNodes.id));
  }

  async removeNode(id: string): Promise<void> {
    await this.#db.delete(clusterNodes).where(eq(clusterNodes.id, id));
  }

  /**
   * Makes `nodeId` the room's host unless a live server (one of `liveIds`)
   * already is: in one statement, so two servers never both take a room.
   * Answers the host after it (undefined for a room that does not exist).
   */
  async claimHost(
    roomId: string,
    nodeId: string,
    liveIds: readonly string[],
  ): Promise<string | undefined> {
    const free = liveIds.length
      ? or(isNull(rooms.hostNodeId), notInArray(rooms.hostNodeId, [...liveIds]))
      : undefined;
    await this.#db
      .update(rooms)
      .set({ hostNodeId: nodeId })
      .where(and(eq(rooms.id, roomId), free));
    const [row] = await this.#db
      .select({ host: rooms.hostNodeId })
      .from(rooms)
      .where(eq(rooms.id, roomId));
    return row ? (row.host ?? undefined) : undefined;
  }

  /** Gives up hosting these rooms (only where `nodeId` is still the host). */
  async releaseHost(nodeId: string, roomIds?: readonly string[]): Promise<void> {
    const scope = roomIds ? inArray(rooms.id, [...roomIds]) : undefined;
    if (roomIds && roomIds.length === 0) return;
    await this.#db
      .update(rooms)
      .set({ hostNodeId: null })
      .where(and(eq(rooms.hostNodeId, nodeId), scope));
  }
}
