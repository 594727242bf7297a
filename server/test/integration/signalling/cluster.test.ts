/**
 * Several servers on one PostgreSQL share their Socket.IO events through it:
 * a user connected to node B hears of a recording started on node A, and an
 * account deleted through node A loses its sockets on node B. And each room
 * is hosted by one of them: both answer the same `connect`, a join on the
 * other is refused with where to go, a recording started or stopped through
 * the other runs on the host, and an emptied room is released.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPostgresDatabase, type TemporaryPostgresDatabase } from '#db/test/helpers/databases';
import { startedRecordingSchema } from '#protocol/rest/recordings';
import { roomConnectSchema } from '#protocol/rest/rooms';
import { statusBecomes } from '../../helpers/recordings';
import type { ServerEvents } from '#protocol/signalling';
import { startTestServer, type TestServer } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { TestClients } from './signallingClient';
import { startRedis, type TestRedis } from '../../helpers/redisServer';

let database: TemporaryPostgresDatabase;
let mediaDir: string;
let a: TestServer;
let b: TestServer;
let launcher: FakeRecorderBotLauncher;
const clients = new TestClients();

describe.each([
  { events: 'PostgreSQL', redis: false },
  { events: 'Redis', redis: true },
])('Socket.IO across servers on one PostgreSQL, events through $events', ({ redis: withRedis }) => {
  let redis: TestRedis | undefined;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    mediaDir = await mkdtemp(join(tmpdir(), 'cluster-'));
    const clip = join(mediaDir, 'clip.webm');
    await makeTestWebm(clip, 2);
    redis = withRedis ? await startRedis() : undefined;
    const env = {
      DATABASE_URL: database.url,
      JWT_SECRET: 'cluster-test-secret-0123456789abcdef012345',
      ...(redis ? { REDIS_URL: redis.url } : {}),
    };
    // One launcher for both embedded workers: a bot job may be taken by either.
    launcher = new FakeRecorderBotLauncher(clip);
    a = await startTestServer({ ...env, NODE_ID: 'node-a' }, { botLauncher: launcher });
    b = await startTestServer({ ...env, NODE_ID: 'node-b' }, { botLauncher: launcher });
    expect([a.server.clusterEvents, b.server.clusterEvents]).toEqual(
      withRedis ? ['redis', 'redis'] : ['postgres', 'postgres'],
    );
  });

  afterAll(async () => {
    clients.closeAll();
    await a?.close();
    await b?.close();
    await redis?.close();
    await database?.drop();
    await rm(mediaDir, { recursive: true, force: true });
  });

  it('a user on node B hears of their recording started on node A', async () => {
    const owner = await a.createUser('instructor');
    const onB = await clients.connect(b.url, owner.token);
    const roomId = await a.createRoom(owner);
    const heard = new Promise<ServerEvents['recording-updated']>((resolve) =>
      onB.socket.once('recording-updated', resolve),
    );
    const start = await callApi(a.url, '/recordings/start', {
      method: 'POST',
      token: owner.token,
      body: { roomId, title: 'on node A' },
    });
    const { recordingId } = startedRecordingSchema.parse(start.body);
    expect(await heard).toMatchObject({ recordingId, deleted: false });
    await callApi(a.url, `/recordings/${recordingId}/stop`, { method: 'POST', token: owner.token });
  });

  it('an account deleted through node A loses its socket on node B', async () => {
    const admin = await a.createUser('admin');
    const user = await a.createUser('student');
    const onB = await clients.connect(b.url, user.token);
    const disconnected = new Promise<string>((resolve) => onB.socket.once('disconnect', resolve));
    expect(
      (await callApi(a.url, `/users/${user.id}`, { method: 'DELETE', token: admin.token })).status,
    ).toBe(200);
    expect(await disconnected).toBe('io server disconnect');
  });

  it('a room is hosted by one server: both answer the same place, and the other refuses its joins', async () => {
    const owner = await a.createUser('instructor');
    const student = await a.createUser('student');
    const roomId = await a.createRoom(owner, { members: [student] });
    const where = async (t: TestServer, token: string) => {
      const res = await callApi(t.url, `/rooms/${roomId}/connect`, { token });
      expect(res.status).toBe(200);
      return roomConnectSchema.parse(res.body);
    };
    const placed = await where(b, student.token);
    expect(await where(a, owner.token)).toEqual(placed);
    const [host, other] = placed.nodeId === 'node-a' ? [a, b] : [b, a];
    expect(placed.url).toBe(host.url);

    const elsewhere = await clients.connect(other.url, student.token);
    const refused = await elsewhere.request('join', { roomId });
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(!refused.ok && refused.error.message).toContain(host.url);
    const here = await clients.connect(host.url, student.token);
    await here.ok('join', { roomId });

    // Started and stopped through the other server, the recording runs on the host.
    const start = await callApi(other.url, '/recordings/start', {
      method: 'POST',
      token: owner.token,
      body: { roomId, title: 'through the other node' },
    });
    expect(start.status).toBe(201);
    const { recordingId } = startedRecordingSchema.parse(start.body);
    expect(host.server.recording.sessions.has(recordingId)).toBe(true);
    expect(other.server.recording.sessions.has(recordingId)).toBe(false);
    await (await launcher.botFor(recordingId)).upload(20);
    const stop = await callApi(other.url, `/recordings/${recordingId}/stop`, {
      method: 'POST',
      token: owner.token,
    });
    expect(stop.status).toBe(200);
    expect(host.server.recording.sessions.has(recordingId)).toBe(false);
    await statusBecomes(host, recordingId, 'ready');

    // Emptied, the room is released: the next placement may be anywhere.
    here.close();
    await vi.waitFor(
      async () => {
        const room = await a.server.context.rooms.findById(roomId);
        expect(room?.hostNodeId).toBeNull();
      },
      { timeout: 10_000, interval: 100 },
    );
    // A student who is no member of the room learns nothing about it.
    const stranger = await a.createUser('student');
    expect(
      (await callApi(b.url, `/rooms/${roomId}/connect`, { token: stranger.token })).status,
    ).toBe(404);
  });
});
