/**
 * What the server decides about a producer's source: a screen share is a
 * peer's second video producer, each source carries one kind, and a peer has
 * at most one producer per source. Real mediasoup worker, real sockets; no
 * RTP flows (the "browsers" never send a packet).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import {
  TestClients,
  allRoomsClosed,
  joinWithTransport,
  opusRtpParameters,
  openRoom,
  vp8RtpParameters,
} from './signallingClient';

/** VP8 parameters on their own MID: a transport refuses two producers with the same one. */
function screenRtpParameters(mid = '2') {
  return { ...vp8RtpParameters(), mid };
}

describe('signalling: media sources (camera, mic, screen)', () => {
  let t: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  const clients = new TestClients();

  beforeAll(async () => {
    t = await startTestServer();
    alice = await t.createUser('instructor', 'Alice Teacher');
    bob = await t.createUser('student', 'Bob Student');
  });
  afterEach(async () => {
    clients.closeAll();
    await allRoomsClosed(t.server.rooms);
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.close();
  });

  it('a screen share is a second video producer: announced, listed and consumed with source screen', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    const { joined: aJoined, transportId: sendId } = await joinWithTransport(a, roomId, 'send');
    const { joined: bJoined, transportId: recvId } = await joinWithTransport(b, roomId, 'recv');
    await a.ok('produce', {
      transportId: sendId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });

    const announced = b.next('new-producer');
    const screen = await a.ok('produce', {
      transportId: sendId,
      kind: 'video',
      rtpParameters: screenRtpParameters(),
      source: 'screen',
    });
    expect(await announced).toEqual({
      producerId: screen.producerId,
      peerId: aJoined.self.peerId,
      kind: 'video',
      source: 'screen',
      paused: false,
    });
    const room = t.server.rooms.getRoom(roomId)!;
    expect(
      room
        .listProducers()
        .map((p) => p.source)
        .sort(),
    ).toEqual(['camera', 'screen']);

    const consumer = await b.ok('consume', {
      transportId: recvId,
      producerId: screen.producerId,
      rtpCapabilities: bJoined.rtpCapabilities as Record<string, unknown>,
    });
    expect(consumer).toMatchObject({
      producerId: screen.producerId,
      peerId: aJoined.self.peerId,
      kind: 'video',
      source: 'screen',
    });
    const serverConsumer = room.peers.get(bJoined.self.peerId)!.consumers.get(consumer.consumerId)!;
    expect(serverConsumer.appData.source).toBe('screen');
  });

  it('a second producer of the same source for one peer answers conflict and announces nothing; other peers have their own', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    const { transportId: aSend } = await joinWithTransport(a, roomId, 'send');
    const { transportId: bSend } = await joinWithTransport(b, roomId, 'send');
    await a.ok('produce', {
      transportId: aSend,
      kind: 'video',
      rtpParameters: screenRtpParameters(),
      source: 'screen',
    });
    await a.ok('produce', {
      transportId: aSend,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'mic',
    });
    const announcedBefore = b.received('new-producer').length;

    const again = [
      { kind: 'video', rtpParameters: screenRtpParameters('3'), source: 'screen' },
      { kind: 'audio', rtpParameters: { ...opusRtpParameters(), mid: '4' }, source: 'mic' },
    ] as const;
    for (const request of again) {
      const response = await a.request('produce', { transportId: aSend, ...request });
      expect(response).toMatchObject({ ok: false, error: { code: 'conflict' } });
      expect(response.ok ? '' : response.error.message).toContain(
        `already has a ${request.source} producer`,
      );
    }
    const room = t.server.rooms.getRoom(roomId)!;
    expect(room.listProducers()).toHaveLength(2);
    expect(b.received('new-producer')).toHaveLength(announcedBefore);

    // The rule is per peer: Bob shares his screen while Alice shares hers.
    await b.ok('produce', {
      transportId: bSend,
      kind: 'video',
      rtpParameters: screenRtpParameters(),
      source: 'screen',
    });
    expect(room.listProducers().filter((p) => p.source === 'screen')).toHaveLength(2);
  });

  it('two simultaneous screen shares of one peer: exactly one is accepted', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const { transportId } = await joinWithTransport(a, roomId, 'send');

    const responses = await Promise.all(
      ['2', '3'].map((mid) =>
        a.request('produce', {
          transportId,
          kind: 'video',
          rtpParameters: screenRtpParameters(mid),
          source: 'screen',
        }),
      ),
    );

    expect(responses.filter((r) => r.ok)).toHaveLength(1);
    expect(responses.filter((r) => !r.ok)).toMatchObject([
      { ok: false, error: { code: 'conflict' } },
    ]);
    expect(t.server.rooms.getRoom(roomId)!.listProducers()).toHaveLength(1);
  });

  it('a source with the wrong kind answers bad_request: camera and screen are video, mic is audio', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const { transportId } = await joinWithTransport(a, roomId, 'send');

    const wrong = [
      { kind: 'audio', rtpParameters: opusRtpParameters(), source: 'screen' },
      { kind: 'audio', rtpParameters: opusRtpParameters(), source: 'camera' },
      { kind: 'video', rtpParameters: vp8RtpParameters(), source: 'mic' },
    ] as const;
    for (const request of wrong) {
      const response = await a.request('produce', { transportId, ...request });
      expect(response).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      expect(response.ok ? '' : response.error.message).toBe(
        `a ${request.source} producer must be ${request.kind === 'audio' ? 'video' : 'audio'}, not ${request.kind}`,
      );
    }
    expect(t.server.rooms.getRoom(roomId)!.listProducers()).toEqual([]);
  });

  it('closing the screen producer tells the others and frees the source: sharing again is accepted', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    const { joined: aJoined, transportId } = await joinWithTransport(a, roomId, 'send');
    await b.ok('join', { roomId });
    const first = await a.ok('produce', {
      transportId,
      kind: 'video',
      rtpParameters: screenRtpParameters('2'),
      source: 'screen',
    });

    const closed = b.next('producer-closed');
    await a.ok('closeProducer', { producerId: first.producerId });
    expect(await closed).toEqual({ producerId: first.producerId, peerId: aJoined.self.peerId });

    const announced = b.next('new-producer');
    const second = await a.ok('produce', {
      transportId,
      kind: 'video',
      rtpParameters: screenRtpParameters('3'),
      source: 'screen',
    });
    expect(await announced).toMatchObject({ producerId: second.producerId, source: 'screen' });
    expect(t.server.rooms.getRoom(roomId)!.listProducers()).toMatchObject([
      { producerId: second.producerId, source: 'screen' },
    ]);
  });
});
