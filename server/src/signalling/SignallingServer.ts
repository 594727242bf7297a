/**
 * The Socket.IO signalling endpoint (`/socket.io`) on the HTTP server:
 * authenticates the handshake, gives each socket a session and the request
 * handlers of each area, and turns a disconnect into a leave.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { AdapterFactory } from './clusterAdapter';
import type { Authenticator } from '../auth/Authenticator';
import type { RoomAccessService } from '../access/RoomAccessService';
import type { Logger } from '../logger';
import type { RoomManager } from '../media/RoomManager';
import { KeyedQueue } from '../utils/KeyedQueue';
import {
  requestSchemas,
  type ActiveRecordingInfo,
  type ServerEventName,
  type ServerEvents,
} from '#protocol/signalling';
import { errorAck } from './ackErrors';
import { authenticateHandshake, type RecorderTokenValidator } from './authenticateHandshake';
import { createHandle } from './handle';
import { consumerHandlers } from './handlers/consumerHandlers';
import { producerHandlers } from './handlers/producerHandlers';
import { roomHandlers } from './handlers/roomHandlers';
import { transportHandlers } from './handlers/transportHandlers';
import { SignallingSession } from './SignallingSession';
import type { ClassroomIo, ClassroomSocket, HandlerContext } from './types';

export const SIGNALLING_PATH = '/socket.io';
/** Signalling messages are small JSON; media never travels here. */
export const SIGNALLING_MAX_MESSAGE_BYTES = 1_000_000;

export interface SignallingServerOptions {
  httpServer: HttpServer;
  rooms: RoomManager;
  authenticator: Authenticator;
  /** Who may join which room (the room policy). */
  roomAccess: RoomAccessService;
  /** Told when an instructor's join created a room, for the audit trail. */
  onRoomCreated?: (roomId: string, userId: string) => void;
  logger: Logger;
  /** Whether a recorder token still belongs to an active recording; default: any valid recorder token. */
  recorderTokenValidator?: RecorderTokenValidator;
  /** The recording running in a room, shown to peers as they join; default: none. */
  activeRecordingFor?: (roomId: string) => ActiveRecordingInfo | null;
  /** Null when a room may be joined on this server, else its host; default: always here. */
  hostElsewhere?: (roomId: string) => Promise<{ url: string } | null>;
  maxHttpBufferSize?: number;
  /**
   * With several servers on one PostgreSQL: their Socket.IO servers share
   * events through it (@socket.io/postgres-adapter), so an emit to a user or
   * a disconnect reaches that user's sockets on every node.
   */
  adapter?: AdapterFactory;
}

const knownRequests = new Set<string>(Object.keys(requestSchemas));

/** Socket.IO rooms (channels, not classrooms) that reach one user's sockets, or every admin's. */
const userChannel = (userId: string) => `user:${userId}`;
const ADMINS_CHANNEL = 'admins';

/** Socket.IO server for the signalling protocol of `#room-client/protocol`. */
export class SignallingServer {
  readonly #io: ClassroomIo;
  readonly #rooms: RoomManager;
  readonly #logger: Logger;
  readonly #lifecycle = new KeyedQueue();
  readonly #activeRecordingFor: (roomId: string) => ActiveRecordingInfo | null;
  readonly #hostElsewhere: (roomId: string) => Promise<{ url: string } | null>;
  readonly #roomAccess: RoomAccessService;
  readonly #onRoomCreated: (roomId: string, userId: string) => void;
  #closed = false;

  constructor({
    httpServer,
    rooms,
    authenticator,
    roomAccess,
    onRoomCreated = () => {},
    logger,
    recorderTokenValidator = () => true,
    activeRecordingFor = () => null,
    hostElsewhere = () => Promise.resolve(null),
    maxHttpBufferSize = SIGNALLING_MAX_MESSAGE_BYTES,
    adapter,
  }: SignallingServerOptions) {
    this.#rooms = rooms;
    this.#logger = logger.child({ module: 'signalling' });
    this.#activeRecordingFor = activeRecordingFor;
    this.#hostElsewhere = hostElsewhere;
    this.#roomAccess = roomAccess;
    this.#onRoomCreated = onRoomCreated;
    this.#io = new Server(httpServer, {
      path: SIGNALLING_PATH,
      serveClient: false,
      maxHttpBufferSize,
    });
    if (adapter) this.#io.adapter(adapter);
    this.#io.use(
      authenticateHandshake({
        authenticator,
        recorderTokenValidator,
        isClosed: () => this.#closed,
        logger: this.#logger,
      }),
    );
    this.#io.on('connection', (socket) => this.#onConnection(socket));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Another namespace on the same Socket.IO server (the recorder control
   * channel): same port and path, its own middleware and sockets.
   */
  namespace(name: string): ReturnType<ClassroomIo['of']> {
    return this.#io.of(name);
  }

  /** Number of connected sockets. */
  get connectionCount(): number {
    return this.#io.of('/').sockets.size;
  }

  /** Sends an event to every socket of these users (and, with `admins`, of every admin). */
  emitToUsers<E extends ServerEventName>(
    userIds: readonly string[],
    event: E,
    payload: ServerEvents[E],
    { admins = false }: { admins?: boolean } = {},
  ): void {
    const targets = userIds.map(userChannel);
    if (admins) targets.push(ADMINS_CHANNEL);
    if (targets.length === 0) return;
    // Socket.IO's typed emit cannot follow a generic event name; ServerEvents keeps it sound.
    (this.#io.to(targets).emit as (e: string, p: unknown) => boolean)(event, payload);
  }

  /** Disconnects every socket of a user (signed out, demoted, deleted): each leaves its room. */
  disconnectUser(userId: string): void {
    this.#io.in(userChannel(userId)).disconnectSockets(true);
  }

  /**
   * Idempotent: refuses new handshakes and disconnects every socket (each
   * leaves its room). The HTTP server is left to its owner.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#io.disconnectSockets(true);
    this.#io.engine.close();
    // Releases the cluster adapters' LISTEN connections (one per namespace; none without a cluster).
    for (const namespace of this.#io._nsps.values()) {
      void Promise.resolve(namespace.adapter.close()).catch(() => undefined);
    }
    this.#logger.info('signalling closed');
  }

  #onConnection(socket: ClassroomSocket): void {
    const { principal } = socket.data;
    const ids =
      principal.kind === 'user'
        ? { userId: principal.userId }
        : { recordingId: principal.recordingId, tokenId: principal.tokenId };
    const session = new SignallingSession({
      socketId: socket.id,
      principal,
      logger: this.#logger.child({ socketId: socket.id, ...ids }),
    });
    if (principal.kind === 'user') {
      void socket.join(userChannel(principal.userId));
      if (principal.role === 'admin') void socket.join(ADMINS_CHANNEL);
    }
    const context: HandlerContext = {
      socket,
      session,
      rooms: this.#rooms,
      roomAccess: this.#roomAccess,
      onRoomCreated: this.#onRoomCreated,
      handle: createHandle(socket, () => session.logger),
      lifecycle: this.#lifecycle,
      activeRecordingFor: this.#activeRecordingFor,
      hostElsewhere: this.#hostElsewhere,
    };
    roomHandlers(context);
    transportHandlers(context);
    producerHandlers(context);
    consumerHandlers(context);

    socket.onAny((event: string, ...args: unknown[]) => {
      if (knownRequests.has(event)) return;
      const ack = args.at(-1);
      if (typeof ack !== 'function') return;
      try {
        (ack as (r: unknown) => void)(
          errorAck({ code: 'bad_request', message: `unknown request ${event}` }),
        );
      } catch (error) {
        session.logger.warn({ err: error, event }, 'could not send ack');
      }
    });

    socket.on('disconnect', (reason) => {
      session.logger.debug({ reason }, 'socket disconnected');
      void this.#lifecycle.run(socket.id, () => {
        session.leave();
        return Promise.resolve();
      });
    });
    session.logger.debug('socket connected');
  }
}
