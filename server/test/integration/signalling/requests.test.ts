import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import {
  TestClients,
  allRoomsClosed,
  fakeDtlsParameters,
  joinWithTransport,
  opusRtpParameters,
  openRoom,
  vp8RtpParameters,
  type TestClient,
} from './signallingClient';

describe('signalling requests: validation and error acks', () => {
  let t: TestServer;
  let student: TestUser;
  const clients = new TestClients();

  beforeAll(async () => {
    t = await startTestServer();
    student = await t.createUser('student');
  });
  afterEach(async () => {
    clients.closeAll();
    await allRoomsClosed(t.server.rooms);
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.close();
  });

  async function expectError(client: TestClient, name: string, payload: unknown, code: string) {
    const response = await client.request(name as 'join', payload);
    expect(response).toMatchObject({ ok: false, error: { code } });
    return response.ok ? '' : response.error.message;
  }

  it('join with a bad room id gets bad_request naming the field, and the socket keeps working', async () => {
    const client = await clients.connect(t.url, student.token);
    for (const roomId of ['a b', 'x'.repeat(65), '', 'room/1', 'é']) {
      expect(await expectError(client, 'join', { roomId }, 'bad_request')).toMatch(
        /^roomId: room id/,
      );
    }
    await expectError(client, 'join', { roomId: 42 }, 'bad_request');
    await expectError(client, 'join', 'room-1', 'bad_request');
    await expectError(client, 'join', undefined, 'bad_request');
    const joined = await client.ok('join', { roomId: await openRoom(t, 'x'.repeat(64)) });
    expect(joined.self.role).toBe('student');
  });

  it('requests before join get invalid_state', async () => {
    const client = await clients.connect(t.url, student.token);
    await expectError(client, 'createTransport', { direction: 'recv' }, 'invalid_state');
    await expectError(
      client,
      'connectTransport',
      { transportId: 't1', dtlsParameters: fakeDtlsParameters },
      'invalid_state',
    );
    await expectError(
      client,
      'produce',
      { transportId: 't1', kind: 'audio', rtpParameters: opusRtpParameters(), source: 'mic' },
      'invalid_state',
    );
    await expectError(
      client,
      'consume',
      { transportId: 't1', producerId: 'p1', rtpCapabilities: {} },
      'invalid_state',
    );
    await expectError(client, 'resumeConsumer', { consumerId: 'c1' }, 'invalid_state');
    await expectError(client, 'pauseProducer', { producerId: 'p1' }, 'invalid_state');
    // Leaving when not in a room is a harmless no-op.
    expect(await client.request('leave')).toEqual({ ok: true, data: {} });
  });

  it('wrong payload types get bad_request', async () => {
    const client = await clients.connect(t.url, student.token);
    await client.ok('join', { roomId: await openRoom(t) });
    await expectError(client, 'createTransport', { direction: 'sideways' }, 'bad_request');
    await expectError(client, 'createTransport', null, 'bad_request');
    await expectError(client, 'connectTransport', { transportId: 't1' }, 'bad_request');
    await expectError(
      client,
      'connectTransport',
      { transportId: 't1', dtlsParameters: { fingerprints: [] } },
      'bad_request',
    );
    await expectError(
      client,
      'produce',
      { transportId: 't1', kind: 'smell', rtpParameters: opusRtpParameters(), source: 'mic' },
      'bad_request',
    );
    await expectError(client, 'resumeConsumer', { consumerId: 'x'.repeat(129) }, 'bad_request');
    await expectError(client, 'pauseProducer', [1, 2, 3], 'bad_request');
  });

  it('unknown transport, producer and consumer ids get not_found', async () => {
    const client = await clients.connect(t.url, student.token);
    const { joined, transportId } = await joinWithTransport(client, await openRoom(t), 'recv');
    await expectError(
      client,
      'connectTransport',
      { transportId: 'no-such-transport', dtlsParameters: fakeDtlsParameters },
      'not_found',
    );
    await expectError(
      client,
      'produce',
      {
        transportId: 'no-such-transport',
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'mic',
      },
      'not_found',
    );
    await expectError(
      client,
      'consume',
      { transportId, producerId: 'no-such-producer', rtpCapabilities: joined.rtpCapabilities },
      'not_found',
    );
    await expectError(client, 'resumeConsumer', { consumerId: 'no-such-consumer' }, 'not_found');
    await expectError(client, 'resumeProducer', { producerId: 'no-such-producer' }, 'not_found');
  });

  it('media requests that mediasoup cannot honour get bad_request or invalid_state', async () => {
    const client = await clients.connect(t.url, student.token);
    const roomId = await openRoom(t);
    const { transportId: recvId } = await joinWithTransport(client, roomId, 'recv');
    // connect twice
    await expectError(
      client,
      'connectTransport',
      { transportId: recvId, dtlsParameters: fakeDtlsParameters },
      'invalid_state',
    );
    // produce on a receive transport
    await expectError(
      client,
      'produce',
      { transportId: recvId, kind: 'audio', rtpParameters: opusRtpParameters(), source: 'mic' },
      'bad_request',
    );
    const send = await client.ok('createTransport', { direction: 'send' });
    // a codec the router does not have
    const h265 = opusRtpParameters();
    h265.codecs[0]!.mimeType = 'video/H265';
    await expectError(
      client,
      'produce',
      { transportId: send.id, kind: 'video', rtpParameters: h265, source: 'camera' },
      'bad_request',
    );
    // the same SSRC twice on one transport (a second source: one mic per peer is its own rule)
    const audio = opusRtpParameters();
    await client.ok('produce', {
      transportId: send.id,
      kind: 'audio',
      rtpParameters: audio,
      source: 'mic',
    });
    const sameSsrc = { ...vp8RtpParameters(), encodings: [{ ssrc: audio.encodings[0]!.ssrc }] };
    await expectError(
      client,
      'produce',
      { transportId: send.id, kind: 'video', rtpParameters: sameSsrc, source: 'camera' },
      'bad_request',
    );
    // capabilities that cannot receive the producer
    const other = await clients.connect(t.url, (await t.createUser('student')).token);
    const { transportId: otherRecv } = await joinWithTransport(other, roomId, 'recv');
    const [producer] = t.server.rooms.getRoom(roomId)!.listProducers();
    await expectError(
      other,
      'consume',
      { transportId: otherRecv, producerId: producer!.producerId, rtpCapabilities: { codecs: [] } },
      'bad_request',
    );
  });

  it('a second join on the same socket gets invalid_state', async () => {
    const client = await clients.connect(t.url, student.token);
    await client.ok('join', { roomId: await openRoom(t) });
    const message = await expectError(
      client,
      'join',
      { roomId: await openRoom(t) },
      'invalid_state',
    );
    expect(message).toMatch(/leave it first/);
  });

  it('a request without an ack callback is served and crashes nothing', async () => {
    const client = await clients.connect(t.url, student.token);
    const roomId = await openRoom(t);
    client.socket.emit('join', { roomId });
    client.socket.emit('createTransport', { direction: 'sideways' });
    // Requests on one socket are served in order: the ack-less join already happened.
    await expectError(client, 'join', { roomId }, 'invalid_state');
    expect(t.server.rooms.listPeers(roomId)).toHaveLength(1);
  });

  it('an unknown request gets bad_request', async () => {
    const client = await clients.connect(t.url, student.token);
    const response = (await client.socket
      .timeout(5_000)
      .emitWithAck('becomeRecorder', {})) as unknown;
    expect(response).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'unknown request becomeRecorder' },
    });
  });

  it('a message over the size limit drops that socket only', async () => {
    const client = await clients.connect(t.url, student.token);
    const other = await clients.connect(t.url, student.token);
    const disconnected = new Promise<string>((resolve) =>
      client.socket.once('disconnect', resolve),
    );
    client.socket.emit('join', { roomId: 'x'.repeat(2_000_000) });
    expect(await disconnected).toBe('transport close');
    expect((await other.ok('join', { roomId: await openRoom(t) })).peers).toEqual([]);
  });
});
