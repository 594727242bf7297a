/**
 * join and leave. A socket is in at most one room; a recorder token joins
 * only its own room, as a hidden receive-only peer. Nothing a user token
 * carries can make it a recorder: the role comes from the token kind alone.
 * A user joins only a room the room policy lets them join (an instructor or
 * admin entering a room that does not exist creates it); anyone else gets
 * `forbidden` and receives nothing.
 */
import { ConflictError, ForbiddenError, InvalidStateError } from '../../errors';
import type { JoinOptions } from '../../media/Room';
import type { Notify } from '../../media/Peer';
import type { ActiveRecordingInfo } from '#protocol/signalling';
import type { HandlerContext } from '../types';

/** Registers `join` and `leave`. */
export function roomHandlers({
  socket,
  session,
  rooms,
  roomAccess,
  onRoomCreated,
  handle,
  lifecycle,
  activeRecordingFor,
  hostElsewhere,
}: HandlerContext): void {
  const notify: Notify = (event, payload) => {
    // Socket.IO's typed emit cannot follow a generic event name; the Notify signature keeps it sound.
    (socket.emit as (e: string, p: unknown) => boolean)(event, payload);
  };

  handle('join', ({ roomId }) =>
    lifecycle.run(session.socketId, async () => {
      if (session.membership) throw new InvalidStateError('already in a room: leave it first');
      if (socket.disconnected) throw new InvalidStateError('socket disconnected');
      const { principal } = session;
      let identity: Omit<JoinOptions, 'notify'>;
      if (principal.kind === 'recorder') {
        if (principal.roomId !== roomId)
          throw new ForbiddenError('this recorder token is for another room');
        identity = { userId: null, displayName: 'Recorder', role: 'recorder', hidden: true };
      } else {
        const { created } = await roomAccess.admitToJoin(principal, roomId);
        if (created) onRoomCreated(roomId, principal.userId);
        // The policy answered asynchronously: the socket may have gone meanwhile.
        if (socket.disconnected) throw new InvalidStateError('socket disconnected');
        identity = {
          userId: principal.userId,
          displayName: principal.name,
          role: principal.role,
          hidden: false,
        };
      }
      // One server hosts a room's media: a join elsewhere is sent there.
      const host = await hostElsewhere(roomId);
      if (host) {
        throw new ConflictError(
          `this room is hosted by another server: connect to ${host.url} (GET /api/v1/rooms/${roomId}/connect says where)`,
        );
      }
      if (socket.disconnected) throw new InvalidStateError('socket disconnected');
      const { room, peer } = await rooms.join(roomId, { ...identity, notify });
      session.attach(room, peer);
      return {
        self: peer.info,
        rtpCapabilities: room.rtpCapabilities,
        peers: room.listPeers().filter((p) => p.peerId !== peer.id),
        producers: room.listProducers(peer.id),
        recording: recordingOf(roomId),
        // In the answer rather than as an event after it: the client learns it with the
        // peers it names, and no event can race the client's listeners being ready.
        activeSpeakerPeerId: room.activeSpeakerPeerId,
      };
    }),
  );

  handle('leave', () =>
    lifecycle.run(session.socketId, () => {
      session.leave();
      return Promise.resolve({});
    }),
  );

  function recordingOf(roomId: string): ActiveRecordingInfo | null {
    try {
      return activeRecordingFor(roomId);
    } catch (error) {
      // The join itself succeeded; a recording indicator missing is the lesser harm.
      session.logger.error({ err: error }, 'could not read the active recording of the room');
      return null;
    }
  }
}
