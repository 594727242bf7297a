/** produce, pauseProducer, resumeProducer, closeProducer: a peer acts on its own producers only. */
import type { HandlerContext } from '../types';

/** Registers the producer requests. */
export function producerHandlers({ session, handle }: HandlerContext): void {
  handle('produce', async ({ transportId, kind, rtpParameters, source }) => {
    const { room, peer } = session.requireMembership();
    const { producerId } = await room.produce(peer, { transportId, kind, rtpParameters, source });
    return { producerId };
  });

  handle('pauseProducer', async ({ producerId }) => {
    const { room, peer } = session.requireMembership();
    await room.pauseProducer(peer, producerId);
    return {};
  });

  handle('resumeProducer', async ({ producerId }) => {
    const { room, peer } = session.requireMembership();
    await room.resumeProducer(peer, producerId);
    return {};
  });

  handle('closeProducer', ({ producerId }) => {
    const { room, peer } = session.requireMembership();
    room.closeProducer(peer, producerId);
    return {};
  });
}
