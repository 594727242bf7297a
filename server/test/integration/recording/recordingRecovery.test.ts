/**
 * What a restart and a busy server do to recordings: recordings a previous
 * process left behind are finalized from what reached the disk (or failed
 * when nothing did), and starts beyond RECORDING_MAX_CONCURRENT answer 503.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorBodySchema } from '#protocol/rest/common';
import { startedRecordingSchema } from '#protocol/rest/recordings';
import { startTestServer, type TestServer } from '../../helpers/testServer';
import { leftRecording } from '../../helpers/recordings';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';

let server: TestServer;
let mediaDir: string;
let clip: string;

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'recovery-media-'));
  clip = join(mediaDir, 'clip.webm');
  await makeTestWebm(clip, 2);
  server = await startTestServer(
    { RECORDING_MAX_CONCURRENT: '1' },
    { botLauncher: new FakeRecorderBotLauncher(clip) },
  );
});

afterAll(async () => {
  await server?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

async function status(id: string) {
  return (await server.server.context.recordings.findById(id))?.status;
}

describe('recording recovery and limits', () => {
  it('finalizes a recording a previous process left "recording", and fails one that left nothing', async () => {
    const owner = await server.createUser('instructor');
    const repo = server.server.context.recordings;
    const withFile = await leftRecording(server, clip, {
      roomId: 'left-behind',
      title: 'crashed',
      startedBy: owner.id,
    });
    const empty = await repo.create({
      roomId: 'left-empty',
      title: 'crashed early',
      startedBy: owner.id,
    });

    await server.server.recording.recover();

    await vi.waitFor(async () => expect(await status(withFile.id)).toBe('ready'), {
      timeout: 30_000,
      interval: 100,
    });
    const row = (await repo.findById(withFile.id))!;
    expect(row.error).toMatch(/cut short: the server restarted/);
    expect(row.durationMs).toBeGreaterThan(1500);
    expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await status(empty.id)).toBe('failed');
    expect((await repo.findById(empty.id))!.error).toMatch(/before any media/);
  });

  it('a start beyond RECORDING_MAX_CONCURRENT answers 503 and records nothing', async () => {
    const instructor = await server.createUser('instructor');
    await server.ensureRoom(instructor, 'busy-1');
    await server.ensureRoom(instructor, 'busy-2');
    const start = (roomId: string) =>
      fetch(`${server.url}/api/v1/recordings/start`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${instructor.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ roomId, title: roomId }),
      });
    const first = await start('busy-1');
    expect(first.status).toBe(201);
    const second = await start('busy-2');
    expect(second.status).toBe(503);
    expect(errorBodySchema.parse(await second.json()).error.code).toBe('unavailable');
    const { total } = await server.server.context.recordings.list({
      roomId: 'busy-2',
      limit: 1,
      offset: 0,
    });
    expect(total).toBe(0);
    const { recordingId } = startedRecordingSchema.parse(await first.json());
    await fetch(`${server.url}/api/v1/recordings/${recordingId}/stop`, {
      method: 'POST',
      headers: { authorization: `Bearer ${instructor.token}` },
    });
  });
});
