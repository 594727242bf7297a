/**
 * What the server knows about one connected socket: who it is, and the room
 * and peer it has joined (one at a time). The peer can close under the
 * session (room closed, worker died); the session then reads as not joined.
 */
import type { Principal } from '../auth/tokens';
import type { Logger } from '../logger';
import { InvalidStateError } from '../errors';
import type { Peer } from '../media/Peer';
import type { Room } from '../media/Room';

export interface Membership {
  room: Room;
  peer: Peer;
}

/** One socket's state. */
export class SignallingSession {
  readonly socketId: string;
  readonly principal: Principal;
  readonly #baseLogger: Logger;
  #membership: Membership | undefined;
  #logger: Logger;

  constructor({
    socketId,
    principal,
    logger,
  }: {
    socketId: string;
    principal: Principal;
    logger: Logger;
  }) {
    this.socketId = socketId;
    this.principal = principal;
    this.#baseLogger = logger;
    this.#logger = logger;
  }

  /** Carries roomId and peerId while joined. */
  get logger(): Logger {
    return this.#logger;
  }

  get membership(): Membership | undefined {
    return this.#membership;
  }

  /** The room and peer of this socket, or invalid_state when it has not joined one. */
  requireMembership(): Membership {
    if (!this.#membership) throw new InvalidStateError('join a room first');
    return this.#membership;
  }

  attach(room: Room, peer: Peer): void {
    this.#membership = { room, peer };
    this.#logger = this.#baseLogger.child({ roomId: room.id, peerId: peer.id });
    peer.once('close', () => {
      if (this.#membership?.peer === peer) this.#detach();
    });
  }

  /** Idempotent: closes the peer (its transports, producers and consumers go with it). */
  leave(): void {
    const membership = this.#membership;
    if (!membership) return;
    this.#detach();
    membership.peer.close();
  }

  #detach(): void {
    this.#membership = undefined;
    this.#logger = this.#baseLogger;
  }
}
