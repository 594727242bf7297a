import type { RoomPeerInfo } from '../media/Peer';
import type { RoomManager } from '../media/RoomManager';
import type { RoomDirectory } from './RoomDirectory';

/** The RoomDirectory view of the RoomManager: visible peers only. */
export function roomDirectoryFrom(rooms: RoomManager): RoomDirectory {
  return {
    listPeers: (roomId) => rooms.listPeers(roomId),
    broadcast: (roomId, event, payload) => {
      rooms.broadcast(roomId, event, payload);
    },
    watchPeers(listener) {
      const joined = (roomId: string, peer: RoomPeerInfo, at: Date) => {
        if (!peer.hidden) listener.joined(roomId, peer, at);
      };
      const left = (roomId: string, peerId: string, at: Date, peer: RoomPeerInfo) => {
        if (!peer.hidden) listener.left(roomId, peerId, at);
      };
      rooms.on('peerJoined', joined);
      rooms.on('peerLeft', left);
      return () => {
        rooms.off('peerJoined', joined);
        rooms.off('peerLeft', left);
      };
    },
  };
}
