/**
 * consume, resumeConsumer and pauseConsumer: consumers start paused; resuming
 * asks the sender for a keyframe; pausing stops the media to this peer only.
 */
import type { HandlerContext } from '../types';

/** Registers the consumer requests. */
export function consumerHandlers({ session, handle }: HandlerContext): void {
  handle('consume', ({ transportId, producerId, rtpCapabilities }) => {
    const { room, peer } = session.requireMembership();
    return room.consume(peer, { transportId, producerId, rtpCapabilities });
  });

  handle('resumeConsumer', async ({ consumerId }) => {
    const { room, peer } = session.requireMembership();
    await room.resumeConsumer(peer, consumerId);
    return {};
  });

  handle('pauseConsumer', async ({ consumerId }) => {
    const { room, peer } = session.requireMembership();
    await room.pauseConsumer(peer, consumerId);
    return {};
  });
}
