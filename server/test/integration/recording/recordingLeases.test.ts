/**
 * Several servers on one PostgreSQL: a server recovers only the recordings
 * whose lease lapsed (their server died), claimed atomically, and never a
 * live recording another server runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPostgresDatabase, type TemporaryPostgresDatabase } from '#db/test/helpers/databases';
import { startedRecordingSchema } from '#protocol/rest/recordings';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { leftRecording } from '../../helpers/recordings';

let database: TemporaryPostgresDatabase;
let mediaDir: string;
let storageDir: string;
let clip: string;
let a: TestServer;
let b: TestServer;
let launcherA: FakeRecorderBotLauncher;
let owner: TestUser;

beforeAll(async () => {
  database = await createPostgresDatabase();
  mediaDir = await mkdtemp(join(tmpdir(), 'leases-'));
  storageDir = join(mediaDir, 'storage');
  clip = join(mediaDir, 'clip.webm');
  await makeTestWebm(clip, 3);
  launcherA = new FakeRecorderBotLauncher(clip);
  // Two servers, one database, one (shared) recordings store.
  const env = {
    DATABASE_URL: database.url,
    JWT_SECRET: 'lease-test-secret-0123456789abcdef0123',
    RECORDING_STORAGE_DIR: storageDir,
  };
  a = await startTestServer({ ...env, NODE_ID: 'node-a' }, { botLauncher: launcherA });
  b = await startTestServer(
    { ...env, NODE_ID: 'node-b' },
    { botLauncher: new FakeRecorderBotLauncher(clip) },
  );
  owner = await a.createUser('instructor');
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
  await rm(mediaDir, { recursive: true, force: true });
});

const status = async (id: string) => (await a.server.context.recordings.findById(id))?.status;

describe('recording leases across servers', () => {
  it('a recovering server leaves another live server’s recording alone', async () => {
    const roomId = await a.createRoom(owner);
    const res = await callApi(a.url, '/recordings/start', {
      method: 'POST',
      token: owner.token,
      body: { roomId, title: 'on node A' },
    });
    const { recordingId } = startedRecordingSchema.parse(res.body);
    await (await launcherA.botFor(recordingId)).upload(2);
    await vi.waitFor(async () => expect(await status(recordingId)).toBe('recording'), {
      timeout: 10_000,
      interval: 100,
    });
    const row = await a.server.context.recordings.findById(recordingId);
    expect(row).toMatchObject({ nodeId: 'node-a' });
    expect(row!.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());

    await b.server.recording.recover();
    expect(await status(recordingId)).toBe('recording');

    // Node A's stop works as ever (the API answers on either node; A runs the bot).
    expect(
      (
        await callApi(a.url, `/recordings/${recordingId}/stop`, {
          method: 'POST',
          token: owner.token,
        })
      ).status,
    ).toBe(200);
    await vi.waitFor(async () => expect(await status(recordingId)).toBe('ready'), {
      timeout: 30_000,
      interval: 100,
    });
  });

  it('a recording whose server stopped renewing its lease is finalized by the first server to claim it', async () => {
    const repo = b.server.context.recordings;
    const roomId = await b.createRoom(owner);
    const orphan = await leftRecording(b, clip, {
      roomId,
      title: 'its server died',
      startedBy: owner.id,
      nodeId: 'node-dead',
      leaseExpiresAt: new Date(Date.now() - 1_000),
    });

    // Both servers recover at once: exactly one claims it.
    await Promise.all([a.server.recording.recover(), b.server.recording.recover()]);
    await vi.waitFor(async () => expect(await status(orphan.id)).toBe('ready'), {
      timeout: 30_000,
      interval: 100,
    });
    const done = await repo.findById(orphan.id);
    expect(['node-a', 'node-b']).toContain(done!.nodeId);
    expect(done!.error).toMatch(/cut short/);
  });

  it('a restarted server takes back its own recordings at once, though their lease still runs', async () => {
    const roomId = await b.createRoom(owner);
    const mine = await leftRecording(b, clip, {
      roomId,
      title: 'left by node B’s previous run',
      startedBy: owner.id,
      nodeId: 'node-b',
      leaseExpiresAt: new Date(Date.now() + 60_000),
    });
    // The periodic pass leaves a live lease alone, even its own…
    await b.server.recording.recover();
    expect(await status(mine.id)).toBe('recording');
    // …the start-up pass knows nobody else can hold node B's lease.
    await b.server.recording.recover({ includeOwn: true });
    await vi.waitFor(async () => expect(await status(mine.id)).toBe('ready'), {
      timeout: 30_000,
      interval: 100,
    });
  });
});
