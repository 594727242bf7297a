/** createTransport and connectTransport: a recorder gets receive transports only. */
import type { HandlerContext } from '../types';

/** Registers `createTransport` and `connectTransport`. */
export function transportHandlers({ session, handle }: HandlerContext): void {
  handle('createTransport', ({ direction }) => {
    const { room, peer } = session.requireMembership();
    return room.createTransport(peer, direction);
  });

  handle('connectTransport', async ({ transportId, dtlsParameters }) => {
    const { room, peer } = session.requireMembership();
    await room.connectTransport(peer, transportId, dtlsParameters);
    return {};
  });
}
