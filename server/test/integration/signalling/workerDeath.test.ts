import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/testServer';
import {
  TestClients,
  allRoomsClosed,
  joinWithTransport,
  openRoom,
  vp8RtpParameters,
} from './signallingClient';

describe('a mediasoup worker that dies', () => {
  let t: TestServer;
  const clients = new TestClients();

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.close();
  });

  it('closes its rooms with room-closed to every peer, and their sockets may join again', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, (await t.createUser('instructor')).token);
    const b = await clients.connect(t.url, (await t.createUser('student')).token);
    const { transportId } = await joinWithTransport(a, roomId, 'send');
    await joinWithTransport(b, roomId, 'recv');
    await a.ok('produce', {
      transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });
    const room = t.server.rooms.getRoom(roomId)!;
    const [worker] = t.server.workers.workers;

    const aClosed = a.next('room-closed');
    const bClosed = b.next('room-closed');
    const roomsClosed = allRoomsClosed(t.server.rooms);
    const replaced = once(t.server.workers, 'workerStarted');
    process.kill(worker!.pid, 'SIGKILL');
    expect(await aClosed).toEqual({ reason: 'media-worker-died' });
    expect(await bClosed).toEqual({ reason: 'media-worker-died' });
    await roomsClosed;
    expect(room.closed).toBe(true);
    expect(room.peers.size).toBe(0);
    expect(t.server.rooms.stats()).toEqual({ rooms: 0, peers: 0, recorders: 0 });

    // The sockets stay connected but are no longer in a room.
    expect(await a.request('createTransport', { direction: 'send' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_state' },
    });
    expect(a.received('producer-closed')).toEqual([]);
    expect(b.socket.connected).toBe(true);

    // A replacement worker takes the dead one's place; the same room id opens again on it.
    const [replacement] = (await replaced) as [{ pid: number }];
    expect(replacement.pid).not.toBe(worker!.pid);
    const again = await a.ok('join', { roomId });
    expect(again.peers).toEqual([]);
    const bAgain = await b.ok('join', { roomId });
    expect(bAgain.peers).toEqual([again.self]);
  });
});
