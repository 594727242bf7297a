/**
 * What the recording service needs from the rooms: who is in a room, being
 * told when people come and go, and a way to tell a room's sockets about
 * recording events. RoomManager provides it (see ClassroomServer).
 */
import type { PeerInfo, ServerEventName, ServerEvents } from '#protocol/signalling';

export interface RoomDirectory {
  /** Visible (non-recorder) peers now in the room. */
  listPeers(roomId: string): PeerInfo[];
  broadcast<E extends ServerEventName>(roomId: string, event: E, payload: ServerEvents[E]): void;
  /** Subscribes to visible peers joining/leaving any room; returns the unsubscribe function. */
  watchPeers(listener: {
    joined(roomId: string, peer: PeerInfo, at: Date): void;
    left(roomId: string, peerId: string, at: Date): void;
  }): () => void;
}
