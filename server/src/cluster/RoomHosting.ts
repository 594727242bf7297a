/**
 * One node per room, across the servers sharing a database. Each server
 * heartbeats its row in `cluster_nodes` (its PUBLIC_URL and load); a room
 * is placed on the least loaded live server when someone asks where to
 * connect (or joins it first), recorded in `rooms.host_node_id`, and
 * released when it empties there. A server that dies stops heartbeating
 * and its rooms go to whoever asks next. With one server this is a no-op
 * that always answers itself.
 */
import type { ClusterNodeRow } from '#db/schema';
import type { ClusterRepository } from '#db/repositories/ClusterRepository';
import type { Logger } from '../logger';

export interface RoomHostingOptions {
  nodes: ClusterRepository;
  nodeId: string;
  /** Where clients and bots reach this server. */
  publicUrl: () => string;
  /** This server's load: rooms and peers it hosts. */
  load: () => { rooms: number; peers: number };
  heartbeatMs: number;
  logger: Logger;
}

/** Where a room's media is: the hosting server's id and URL. */
export interface RoomPlacement {
  nodeId: string;
  url: string;
}

export class RoomHosting {
  readonly #options: RoomHostingOptions;
  readonly #log: Logger;
  #timer?: NodeJS.Timeout;
  #closed = false;

  constructor(options: RoomHostingOptions) {
    this.#options = options;
    this.#log = options.logger.child({ module: 'room-hosting' });
  }

  get nodeId(): string {
    return this.#options.nodeId;
  }

  /** A server is live while its heartbeat is younger than three periods. */
  get #liveWithinMs(): number {
    return this.#options.heartbeatMs * 3;
  }

  async start(): Promise<void> {
    await this.#heartbeat();
    this.#timer = setInterval(() => void this.#heartbeat(), this.#options.heartbeatMs);
    this.#timer.unref();
  }

  async #heartbeat(): Promise<void> {
    if (this.#closed) return;
    const { nodes, nodeId, publicUrl, load } = this.#options;
    try {
      await nodes.heartbeat({ id: nodeId, publicUrl: publicUrl(), ...load() });
    } catch (error) {
      this.#log.warn({ err: error }, 'could not write the node heartbeat');
    }
  }

  async #live(): Promise<ClusterNodeRow[]> {
    const live = await this.#options.nodes.liveNodes(this.#liveWithinMs);
    return live.some((n) => n.id === this.nodeId) ? live : [...live, this.#self()];
  }

  #self(): ClusterNodeRow {
    const { nodeId, publicUrl, load } = this.#options;
    return { id: nodeId, publicUrl: publicUrl(), ...load(), heartbeatAt: new Date() };
  }

  /**
   * Where to connect for `roomId`: its live host, or else the least loaded
   * live server, which becomes its host. Rooms that do not exist yet (an
   * instructor's join creates them) are placed without being recorded.
   */
  async placement(roomId: string): Promise<RoomPlacement> {
    const live = await this.#live();
    const pick = [...live].sort((a, b) => a.peers - b.peers || a.rooms - b.rooms)[0]!;
    const host = await this.#options.nodes.claimHost(
      roomId,
      pick.id,
      live.map((n) => n.id),
    );
    const node = live.find((n) => n.id === (host ?? pick.id)) ?? pick;
    return { nodeId: node.id, url: node.publicUrl };
  }

  /**
   * Before a join here: this server becomes the room's host unless another
   * live server is; then that one's placement is answered (join there).
   */
  async admit(roomId: string): Promise<RoomPlacement | null> {
    const live = await this.#live();
    const host = await this.#options.nodes.claimHost(
      roomId,
      this.nodeId,
      live.map((n) => n.id),
    );
    if (!host || host === this.nodeId) return null;
    const node = live.find((n) => n.id === host);
    return node ? { nodeId: node.id, url: node.publicUrl } : null;
  }

  /** Where another live server is reached (null for this one, or a dead one). */
  async urlOf(nodeId: string | null): Promise<string | null> {
    if (!nodeId || nodeId === this.nodeId) return null;
    const live = await this.#options.nodes.liveNodes(this.#liveWithinMs);
    return live.find((n) => n.id === nodeId)?.publicUrl ?? null;
  }

  /** The room emptied here: anyone may host it next. */
  release(roomId: string): void {
    void this.#options.nodes
      .releaseHost(this.nodeId, [roomId])
      .catch((error: unknown) =>
        this.#log.warn({ err: error, roomId }, 'could not release a room'),
      );
  }

  /** Leaves the cluster: its rooms are released and its row removed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#options.nodes.releaseHost(this.nodeId).catch(() => undefined);
    await this.#options.nodes.removeNode(this.nodeId).catch(() => undefined);
  }
}
