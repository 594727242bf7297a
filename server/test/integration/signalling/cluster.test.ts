/**
 * Several servers on one PostgreSQL share their Socket.IO events through it:
 * a user connected to node B hears of a recording started on node A, and an
 * account deleted through node A loses its sockets on node B.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TemporaryPostgresDatabase } from '#db/test/helpers/databases';
import { startedRecordingSchema } from '#protocol/rest/recordings';
import type { ServerEvents } from '#protocol/signalling';
import { startTestServer, type TestServer } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { TestClients } from './signallingClient';

let database: TemporaryPostgresDatabase;
let mediaDir: string;
let a: TestServer;
let b: TestServer;
const clients = new TestClients();

beforeAll(async () => {
  database = await createPostgresDatabase();
  mediaDir = await mkdtemp(join(tmpdir(), 'cluster-'));
  const clip = join(mediaDir, 'clip.webm');
  await makeTestWebm(clip, 2);
  const env = {
    DATABASE_URL: database.url,
    JWT_SECRET: 'cluster-test-secret-0123456789abcdef012345',
  };
  a = await startTestServer(
    { ...env, NODE_ID: 'node-a' },
    { botLauncher: new FakeRecorderBotLauncher(clip) },
  );
  b = await startTestServer(
    { ...env, NODE_ID: 'node-b' },
    { botLauncher: new FakeRecorderBotLauncher(clip) },
  );
});

afterAll(async () => {
  clients.closeAll();
  await a?.close();
  await b?.close();
  await database?.drop();
  await rm(mediaDir, { recursive: true, force: true });
});

describe('Socket.IO across servers on one PostgreSQL', () => {
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
});
