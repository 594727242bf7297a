import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import {
  TestClients,
  allRoomsClosed,
  joinWithTransport,
  opusRtpParameters,
  startPermissiveSignalling,
  openRoom,
  vp8RtpParameters,
  type TestClient,
} from './signallingClient';

describe('hidden RECORDER peers', () => {
  let t: TestServer;
  let instructor: TestUser;
  let student: TestUser;
  let signalling: { url: string; close(): Promise<void> };
  let url: string;
  const clients = new TestClients();

  beforeAll(async () => {
    t = await startTestServer();
    // Recorder tokens here belong to no real recording: a signalling server that accepts them.
    signalling = await startPermissiveSignalling(t);
    url = signalling.url;
    instructor = await t.createUser('instructor', 'Ines Instructor');
    student = await t.createUser('student', 'Sam Student');
  });
  afterEach(async () => {
    clients.closeAll();
    await allRoomsClosed(t.server.rooms);
  });
  afterAll(async () => {
    clients.closeAll();
    await signalling?.close();
    await t?.close();
  });

  function recorderToken(roomId: string): string {
    return t.server.context.tokens.issueRecorderToken({ recordingId: randomUUID(), roomId }, 60)
      .token;
  }

  /** Resolves once every event the server sent this client before now has arrived (one socket is ordered). */
  async function drained(client: TestClient): Promise<void> {
    await client.request('unknownRequest' as 'leave');
  }

  it('is never announced, listed or counted, yet receives what the room sends', async () => {
    const roomId = await openRoom(t);
    const teacher = await clients.connect(url, instructor.token);
    const { joined: teacherJoined, transportId } = await joinWithTransport(teacher, roomId, 'send');
    const { producerId } = await teacher.ok('produce', {
      transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });

    const peerJoinedOnServer = once(t.server.rooms, 'peerJoined');
    const recorder = await clients.connect(url, recorderToken(roomId));
    const recorderJoined = await recorder.ok('join', { roomId });
    expect(recorderJoined.self).toMatchObject({ role: 'recorder', userId: null });
    expect(recorderJoined.peers).toEqual([teacherJoined.self]);
    expect(recorderJoined.producers.map((p) => p.producerId)).toEqual([producerId]);
    // The recording service does hear of it, flagged hidden.
    const [, joinedInfo] = (await peerJoinedOnServer) as [
      string,
      { hidden: boolean; role: string },
    ];
    expect(joinedInfo).toMatchObject({ hidden: true, role: 'recorder' });

    const learner = await clients.connect(url, student.token);
    const learnerJoined = await learner.ok('join', { roomId });
    expect(learnerJoined.peers).toEqual([teacherJoined.self]);
    // The recorder hears of participants like anyone else.
    await drained(recorder);
    expect(recorder.received('peer-joined')).toEqual([learnerJoined.self]);
    await drained(teacher);
    expect(teacher.received('peer-joined')).toEqual([learnerJoined.self]);

    expect(t.server.rooms.listPeers(roomId)).toEqual([teacherJoined.self, learnerJoined.self]);
    expect(t.server.rooms.stats()).toEqual({ rooms: 1, peers: 2, recorders: 1 });
    const health = (await (await fetch(`${t.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ peers: 2, recorders: 1 });

    // Leaving is silent too.
    const peerLeftOnServer = once(t.server.rooms, 'peerLeft');
    recorder.close();
    const [, leftPeerId] = (await peerLeftOnServer) as [string, string];
    expect(leftPeerId).toBe(recorderJoined.self.peerId);
    await drained(teacher);
    expect(teacher.received('peer-left')).toEqual([]);
  });

  it('cannot produce or create a send transport, and can consume', async () => {
    const roomId = await openRoom(t);
    const teacher = await clients.connect(url, instructor.token);
    const { transportId: sendId } = await joinWithTransport(teacher, roomId, 'send');
    const { producerId } = await teacher.ok('produce', {
      transportId: sendId,
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'mic',
    });

    const recorder = await clients.connect(url, recorderToken(roomId));
    const { joined, transportId: recvId } = await joinWithTransport(recorder, roomId, 'recv');
    expect(await recorder.request('createTransport', { direction: 'send' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(
      await recorder.request('produce', {
        transportId: recvId,
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'mic',
      }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const consumer = await recorder.ok('consume', {
      transportId: recvId,
      producerId,
      rtpCapabilities: joined.rtpCapabilities as Record<string, unknown>,
    });
    expect(consumer.producerId).toBe(producerId);
    await recorder.ok('resumeConsumer', { consumerId: consumer.consumerId });
    const recorderPeer = t.server.rooms.getRoom(roomId)!.peers.get(joined.self.peerId)!;
    expect(recorderPeer.transports.size).toBe(1);
    expect(recorderPeer.producers.size).toBe(0);
    expect(recorderPeer.consumers.get(consumer.consumerId)!.paused).toBe(false);

    // A new producer reaches the recorder too.
    const announced = recorder.next('new-producer');
    const video = await teacher.ok('produce', {
      transportId: sendId,
      kind: 'video',
      rtpParameters: vp8RtpParameters(),
      source: 'camera',
    });
    expect((await announced).producerId).toBe(video.producerId);
  });

  it('a recorder token for one room cannot join another', async () => {
    const recorder = await clients.connect(url, recorderToken('room-a'));
    const response = await recorder.request('join', { roomId: 'room-b' });
    expect(response).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(t.server.rooms.getRoom('room-b')).toBeUndefined();
  });

  it('a student token has no way to join as a recorder', async () => {
    const roomId = await openRoom(t);
    const teacher = await clients.connect(url, instructor.token);
    await teacher.ok('join', { roomId });
    const learner = await clients.connect(url, student.token);
    const peerJoined = teacher.next('peer-joined');
    // Extra fields are not part of the schema and change nothing.
    const joined = await learner.ok('join', { roomId, role: 'recorder', hidden: true } as {
      roomId: string;
    });
    expect(joined.self.role).toBe('student');
    expect(await peerJoined).toEqual(joined.self);
    const peer = t.server.rooms.getRoom(roomId)!.peers.get(joined.self.peerId)!;
    expect(peer.hidden).toBe(false);
    expect(await learner.request('createTransport', { direction: 'send' })).toMatchObject({
      ok: true,
    });
  });

  it('the room stays open while only the recorder remains, and closes when it leaves', async () => {
    const roomId = await openRoom(t);
    const teacher = await clients.connect(url, instructor.token);
    await teacher.ok('join', { roomId });
    const recorder = await clients.connect(url, recorderToken(roomId));
    await recorder.ok('join', { roomId });
    const teacherLeft = once(t.server.rooms, 'peerLeft');
    teacher.close();
    await teacherLeft;
    const room = t.server.rooms.getRoom(roomId)!;
    expect(room.closed).toBe(false);
    expect(t.server.rooms.listPeers(roomId)).toEqual([]);
    const roomClosed = once(t.server.rooms, 'roomClosed');
    recorder.close();
    await roomClosed;
    expect(room.closed).toBe(true);
  });
});
