import { once } from 'node:events';
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

interface RouterDump {
  transportIds: string[];
  mapProducerIdConsumerIds: Record<string, string[]>;
  mapConsumerIdProducerId: Record<string, string>;
}

describe('signalling: peers, producers and consumers', () => {
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

  it('join answers with self, router capabilities, the other peers and their producers', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const { joined: aJoined, transportId } = await joinWithTransport(a, roomId, 'send');
    expect(aJoined.self).toMatchObject({
      userId: alice.id,
      displayName: 'Alice Teacher',
      role: 'instructor',
    });
    expect(aJoined.peers).toEqual([]);
    expect(aJoined.producers).toEqual([]);
    expect(aJoined.recording).toBeNull();
    const { producerId } = await a.ok('produce', {
      transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });

    const b = await clients.connect(t.url, bob.token);
    const peerJoined = a.next('peer-joined');
    const bJoined = await b.ok('join', { roomId });
    expect(bJoined.peers).toEqual([aJoined.self]);
    expect(bJoined.producers).toEqual([
      { producerId, peerId: aJoined.self.peerId, kind: 'video', source: 'camera', paused: false },
    ]);
    expect(
      (bJoined.rtpCapabilities as { codecs: { mimeType: string }[] }).codecs.map((c) => c.mimeType),
    ).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/VP9', 'video/H264']));
    expect(await peerJoined).toEqual(bJoined.self);
  });

  it('a second peer hears of a new producer, consumes it paused and resumes it', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    const { joined: aJoined, transportId: sendId } = await joinWithTransport(a, roomId, 'send');
    const { joined: bJoined, transportId: recvId } = await joinWithTransport(b, roomId, 'recv');

    const newProducers = [b.next('new-producer')];
    const video = await a.ok('produce', {
      transportId: sendId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });
    const announced = await newProducers[0];
    expect(announced).toEqual({
      producerId: video.producerId,
      peerId: aJoined.self.peerId,
      kind: 'video',
      source: 'camera',
      paused: false,
    });
    const audioAnnounced = b.next('new-producer');
    const audio = await a.ok('produce', {
      transportId: sendId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'mic',
    });
    expect((await audioAnnounced).producerId).toBe(audio.producerId);

    const consumer = await b.ok('consume', {
      transportId: recvId,
      producerId: video.producerId,
      rtpCapabilities: bJoined.rtpCapabilities as Record<string, unknown>,
    });
    expect(consumer).toMatchObject({
      producerId: video.producerId,
      peerId: aJoined.self.peerId,
      kind: 'video',
      source: 'camera',
      producerPaused: false,
    });
    const room = t.server.rooms.getRoom(roomId)!;
    const serverConsumer = room.peers.get(bJoined.self.peerId)!.consumers.get(consumer.consumerId)!;
    expect(serverConsumer.paused).toBe(true);
    await b.ok('resumeConsumer', { consumerId: consumer.consumerId });
    expect(serverConsumer.paused).toBe(false);

    const audioConsumer = await b.ok('consume', {
      transportId: recvId,
      producerId: audio.producerId,
      rtpCapabilities: bJoined.rtpCapabilities as Record<string, unknown>,
    });
    expect(audioConsumer.kind).toBe('audio');
    await b.ok('resumeConsumer', { consumerId: audioConsumer.consumerId });
  });

  it('pause and resume of a producer are announced to the others, not to its owner', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    const { joined: aJoined, transportId } = await joinWithTransport(a, roomId, 'send');
    await b.ok('join', { roomId });
    const { producerId } = await a.ok('produce', {
      transportId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'mic',
    });
    const paused = b.next('producer-paused');
    await a.ok('pauseProducer', { producerId });
    expect(await paused).toEqual({ producerId, peerId: aJoined.self.peerId });
    expect(t.server.rooms.getRoom(roomId)!.listProducers()[0]!.paused).toBe(true);

    const resumed = b.next('producer-resumed');
    await a.ok('resumeProducer', { producerId });
    expect(await resumed).toEqual({ producerId, peerId: aJoined.self.peerId });
    expect(a.received('producer-paused')).toEqual([]);
    expect(a.received('producer-resumed')).toEqual([]);
  });

  it('closing a producer tells everyone and closes the consumers of it', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    const { joined: aJoined, transportId: sendId } = await joinWithTransport(a, roomId, 'send');
    const { joined: bJoined, transportId: recvId } = await joinWithTransport(b, roomId, 'recv');
    const { producerId } = await a.ok('produce', {
      transportId: sendId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });
    const { consumerId } = await b.ok('consume', {
      transportId: recvId,
      producerId,
      rtpCapabilities: bJoined.rtpCapabilities as Record<string, unknown>,
    });
    const producerClosed = b.next('producer-closed');
    const consumerClosed = b.next('consumer-closed');
    await a.ok('closeProducer', { producerId });
    expect(await producerClosed).toEqual({ producerId, peerId: aJoined.self.peerId });
    expect(await consumerClosed).toEqual({ consumerId, producerId });
    const room = t.server.rooms.getRoom(roomId)!;
    expect(room.peers.get(bJoined.self.peerId)!.consumers.size).toBe(0);
    expect(room.listProducers()).toEqual([]);
  });

  it('a peer acts on its own producers only', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    const { transportId } = await joinWithTransport(a, roomId, 'send');
    await b.ok('join', { roomId });
    const { producerId } = await a.ok('produce', {
      transportId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'mic',
    });
    for (const name of ['pauseProducer', 'closeProducer'] as const) {
      const response = await b.request(name, { producerId });
      expect(response).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect(t.server.rooms.getRoom(roomId)!.listProducers()).toHaveLength(1);
  });

  it('disconnect leaves no transports, producers or consumers behind and announces peer-left', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    const { joined: aJoined, transportId: aSend } = await joinWithTransport(a, roomId, 'send');
    const aRecv = await a.ok('createTransport', { direction: 'recv' });
    const { joined: bJoined, transportId: bRecv } = await joinWithTransport(b, roomId, 'recv');
    const bSend = await b.ok('createTransport', { direction: 'send' });
    const { producerId: aVideo } = await a.ok('produce', {
      transportId: aSend,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });
    const { producerId: bAudio } = await b.ok('produce', {
      transportId: bSend.id,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'mic',
    });
    await b.ok('consume', {
      transportId: bRecv,
      producerId: aVideo,
      rtpCapabilities: bJoined.rtpCapabilities as Record<string, unknown>,
    });
    await a.ok('consume', {
      transportId: aRecv.id,
      producerId: bAudio,
      rtpCapabilities: aJoined.rtpCapabilities as Record<string, unknown>,
    });
    const room = t.server.rooms.getRoom(roomId)!;
    expect(((await room.router.dump()) as RouterDump).transportIds).toHaveLength(4);

    const peerLeft = b.next('peer-left');
    const consumerClosed = b.next('consumer-closed');
    a.close();
    expect(await peerLeft).toEqual({ peerId: aJoined.self.peerId });
    await consumerClosed;
    const dump = (await room.router.dump()) as RouterDump;
    expect(dump.transportIds.sort()).toEqual([bRecv, bSend.id].sort());
    expect(dump.mapProducerIdConsumerIds).toEqual({ [bAudio]: [] });
    expect(dump.mapConsumerIdProducerId).toEqual({});
    expect(room.peers.size).toBe(1);
    expect(room.listPeers()).toEqual([bJoined.self]);
    const bPeer = room.peers.get(bJoined.self.peerId)!;
    expect(bPeer.consumers.size).toBe(0);
    expect(bPeer.producers.size).toBe(1);

    // The last peer out closes the room and its router: nothing is left on the worker.
    const roomClosed = once(t.server.rooms, 'roomClosed');
    b.close();
    expect(await roomClosed).toEqual([roomId, undefined]);
    expect(room.closed).toBe(true);
    expect(room.router.closed).toBe(true);
    expect(t.server.rooms.getRoom(roomId)).toBeUndefined();
    expect(t.server.rooms.stats()).toEqual({ rooms: 0, peers: 0, recorders: 0 });
    const workerDump = (await t.server.workers.workers[0]!.dump()) as { routerIds: string[] };
    expect(workerDump.routerIds).toEqual([]);
  });

  it('leave releases the peer’s media and lets the socket join another room', async () => {
    const roomId = await openRoom(t);
    const otherRoomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    await b.ok('join', { roomId });
    const { joined, transportId } = await joinWithTransport(a, roomId, 'send');
    await a.ok('produce', {
      transportId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'mic',
    });
    const peerLeft = b.next('peer-left');
    const producerClosed = b.next('producer-closed');
    await a.ok('leave');
    expect(await producerClosed).toMatchObject({ peerId: joined.self.peerId });
    expect(await peerLeft).toEqual({ peerId: joined.self.peerId });
    const room = t.server.rooms.getRoom(roomId)!;
    expect(((await room.router.dump()) as RouterDump).transportIds).toEqual([]);
    expect(await a.request('createTransport', { direction: 'send' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_state' },
    });
    const again = await a.ok('join', { roomId: otherRoomId });
    expect(again.peers).toEqual([]);
    expect(t.server.rooms.listPeers(otherRoomId)).toEqual([again.self]);
  });

  it('two simultaneous first joins share one room and one router', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    const b = await clients.connect(t.url, bob.token);
    const [aJoined, bJoined] = await Promise.all([
      a.ok('join', { roomId }),
      b.ok('join', { roomId }),
    ]);
    expect(t.server.rooms.getRoom(roomId)!.peers.size).toBe(2);
    const workerDump = (await t.server.workers.workers[0]!.dump()) as { routerIds: string[] };
    expect(workerDump.routerIds).toHaveLength(1);
    // Whoever joined second sees the first; nobody sees themself.
    const seen = [...aJoined.peers, ...bJoined.peers].map((p) => p.peerId);
    expect(seen).toHaveLength(1);
    expect([aJoined.self.peerId, bJoined.self.peerId]).toContain(seen[0]);
  });

  it('/healthz counts rooms and participants', async () => {
    const roomId = await openRoom(t);
    const a = await clients.connect(t.url, alice.token);
    await a.ok('join', { roomId });
    const body = (await (await fetch(`${t.url}/healthz`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', rooms: 1, peers: 1, recorders: 0 });
  });
});
