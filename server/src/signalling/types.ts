/**
 * Socket.IO typings shared by the signalling server and its handlers: the
 * protocol's requests and events mapped onto Socket.IO's generic parameters.
 */
import type { Server, Socket } from 'socket.io';
import type { Principal } from '../auth/tokens';
import type { RoomManager } from '../media/RoomManager';
import type { RoomAccessService } from '../access/RoomAccessService';
import type { KeyedQueue } from '../utils/KeyedQueue';
import type {
  ActiveRecordingInfo,
  RequestName,
  ServerEventName,
  ServerEvents,
} from '#protocol/signalling';
import type { Handle } from './handle';
import type { SignallingSession } from './SignallingSession';

/** Requests arrive as `(payload?, ack?)`; both are checked before use, so they are typed unknown. */
export type ClientToServerEvents = Record<RequestName, (...args: unknown[]) => void>;

export type ServerToClientEvents = { [E in ServerEventName]: (payload: ServerEvents[E]) => void };

export interface SocketData {
  principal: Principal;
}

export type ClassroomIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type ClassroomSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

export type { RecorderPrincipal } from '../auth/tokens';

/** What each handler module gets for one socket. */
export interface HandlerContext {
  socket: ClassroomSocket;
  session: SignallingSession;
  rooms: RoomManager;
  /** Who may join which room (the room policy). */
  roomAccess: RoomAccessService;
  onRoomCreated: (roomId: string, userId: string) => void;
  handle: Handle;
  /** Serializes join, leave and disconnect of one socket. */
  lifecycle: KeyedQueue;
  activeRecordingFor: (roomId: string) => ActiveRecordingInfo | null;
  /** Null when the room may be joined here; else the server hosting it (join there). */
  hostElsewhere: (roomId: string) => Promise<{ url: string } | null>;
}
