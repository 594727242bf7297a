/**
 * All open rooms, by room id. Creates a room (and its Router on the
 * least-loaded worker) on first join, forgets it when it closes, and re-emits
 * who comes and goes for the services that follow rooms (recording).
 */
import type { Logger } from '../logger';
import { UnavailableError } from '../errors';
import { EnhancedEventEmitter } from '../utils/EnhancedEventEmitter';
import { KeyedQueue } from '../utils/KeyedQueue';
import type { PeerInfo, ServerEventName, ServerEvents } from '#protocol/signalling';
import type { MediasoupWorkerPool } from './MediasoupWorkerPool';
import { routerMediaCodecs, type WebRtcTransportSettings } from './mediasoupConfig';
import type { Peer, RoomPeerInfo } from './Peer';
import { Room, RoomCloseReason, type JoinOptions } from './Room';

export interface RoomManagerOptions {
  workers: MediasoupWorkerPool;
  transportSettings: WebRtcTransportSettings;
  logger: Logger;
}

export interface RoomManagerEvents {
  roomCreated: [roomId: string];
  /** `reason` is set when the room closed under its peers (worker died, shutdown). */
  roomClosed: [roomId: string, reason: string | undefined];
  /** Every peer, hidden recorders included: filter on `peer.hidden`. */
  peerJoined: [roomId: string, peer: RoomPeerInfo, joinedAt: Date];
  peerLeft: [roomId: string, peerId: string, leftAt: Date, peer: RoomPeerInfo];
  listenerError: [event: string, error: unknown];
}

export interface RoomStats {
  rooms: number;
  /** Visible participants. */
  peers: number;
  /** Hidden recorder peers. */
  recorders: number;
}

/** Owner of every Room. */
export class RoomManager extends EnhancedEventEmitter<RoomManagerEvents> {
  readonly #workers: MediasoupWorkerPool;
  readonly #transportSettings: WebRtcTransportSettings;
  readonly #logger: Logger;
  readonly #rooms = new Map<string, Room>();
  readonly #queue = new KeyedQueue();
  readonly #onWorkerDied: (worker: { pid: number }) => void;
  #closed = false;

  constructor({ workers, transportSettings, logger }: RoomManagerOptions) {
    super();
    this.#workers = workers;
    this.#transportSettings = transportSettings;
    this.#logger = logger.child({ module: 'rooms' });
    // The rooms themselves close on their router's 'workerclose'; this only records the cause.
    this.#onWorkerDied = (worker) =>
      this.#logger.error(
        { pid: worker.pid, openRooms: this.#rooms.size },
        'media worker died; the rooms on it were closed',
      );
    workers.on('workerDied', this.#onWorkerDied);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rooms(): ReadonlyMap<string, Room> {
    return this.#rooms;
  }

  getRoom(roomId: string): Room | undefined {
    return this.#rooms.get(roomId);
  }

  /** Visible participants of a room (never recorders); empty when the room is not open. */
  listPeers(roomId: string): PeerInfo[] {
    return this.#rooms.get(roomId)?.listPeers() ?? [];
  }

  stats(): RoomStats {
    const stats: RoomStats = { rooms: this.#rooms.size, peers: 0, recorders: 0 };
    for (const room of this.#rooms.values()) {
      for (const peer of room.peers.values()) {
        if (peer.hidden) stats.recorders += 1;
        else stats.peers += 1;
      }
    }
    return stats;
  }

  /** Sends a protocol event to every socket in the room; returns how many peers got it. */
  broadcast<E extends ServerEventName>(roomId: string, event: E, payload: ServerEvents[E]): number {
    return this.#rooms.get(roomId)?.broadcast(event, payload) ?? 0;
  }

  /**
   * The open room with this id, created if needed. Serialized per room id so
   * two simultaneous first joins share one Router.
   */
  getOrCreate(roomId: string): Promise<Room> {
    return this.#queue.run(roomId, () => this.#getOrCreate(roomId));
  }

  /** Creates the room if needed and adds a peer in the same serialized step, so the room cannot close in between. */
  join(roomId: string, options: JoinOptions): Promise<{ room: Room; peer: Peer }> {
    return this.#queue.run(roomId, async () => {
      const room = await this.#getOrCreate(roomId);
      return { room, peer: room.join(options) };
    });
  }

  /** Idempotent: closes every room (their peers are told the server is shutting down). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#workers.off('workerDied', this.#onWorkerDied);
    for (const room of [...this.#rooms.values()]) room.close(RoomCloseReason.serverShutdown);
    this.#rooms.clear();
  }

  async #getOrCreate(roomId: string): Promise<Room> {
    if (this.#closed) throw new UnavailableError('server is shutting down');
    const existing = this.#rooms.get(roomId);
    if (existing && !existing.closed) return existing;
    let router;
    try {
      router = await this.#workers.createRouter(routerMediaCodecs);
    } catch (error) {
      this.#logger.error({ err: error, roomId }, 'could not create a router');
      throw new UnavailableError('media server unavailable');
    }
    if (this.#closed) {
      router.close();
      throw new UnavailableError('server is shutting down');
    }
    let room: Room;
    try {
      room = await Room.create({
        id: roomId,
        router,
        transportSettings: this.#transportSettings,
        logger: this.#logger,
      });
    } catch (error) {
      router.close();
      this.#logger.error({ err: error, roomId }, 'could not open a room on its router');
      throw new UnavailableError('media server unavailable');
    }
    if (this.#closed) {
      room.close();
      throw new UnavailableError('server is shutting down');
    }
    this.#rooms.set(roomId, room);
    room.on('peerJoined', (peer) =>
      this.safeEmit('peerJoined', roomId, peer.roomInfo, peer.joinedAt),
    );
    room.on('peerLeft', (peer, leftAt) =>
      this.safeEmit('peerLeft', roomId, peer.id, leftAt, peer.roomInfo),
    );
    room.once('close', (reason) => this.safeEmit('roomClosed', roomId, reason));
    room.once('@close', () => {
      if (this.#rooms.get(roomId) === room) this.#rooms.delete(roomId);
    });
    this.#logger.info({ roomId, routerId: router.id }, 'room created');
    this.safeEmit('roomCreated', roomId);
    return room;
  }
}
