/**
 * Recording helpers for integration tests with the stand-in bot: start a
 * recording through the API, feed it slices, wait for a status.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { expect, vi } from 'vitest';
import type { RecordingRow } from '#db/schema';
import { segmentPath } from '#server/recording/recordingFiles';
import { startedRecordingSchema } from '#protocol/rest/recordings';
import { callApi } from './api';
import type { FakeRecorderBotLauncher } from './FakeRecorderBotLauncher';
import type { TestServer } from './testServer';

/** Waits until the recording's status in the database is `status`. */
export async function statusBecomes(
  t: TestServer,
  recordingId: string,
  status: string,
): Promise<void> {
  await vi.waitFor(
    async () =>
      expect((await t.server.context.recordings.findById(recordingId))?.status).toBe(status),
    { timeout: 30_000, interval: 100 },
  );
}

/**
 * Asks to stop `recordingId` as `owner` (answered 200), waits until it is
 * ready and resolves with its finished row.
 */
export async function stopUntilReady(
  t: TestServer,
  owner: { token: string },
  recordingId: string,
): Promise<RecordingRow> {
  const res = await callApi(t.url, `/recordings/${recordingId}/stop`, {
    method: 'POST',
    token: owner.token,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await statusBecomes(t, recordingId, 'ready');
  return (await t.server.context.recordings.findById(recordingId))!;
}

/**
 * Records `slices` slices of the launcher's clip in `roomId` as `owner` and
 * asks to stop (finalization then runs on its own). Resolves with its id.
 */
export async function recordAndStop(
  t: TestServer,
  launcher: FakeRecorderBotLauncher,
  owner: { token: string },
  {
    roomId,
    title = `Lecture in ${roomId}`,
    slices = 100,
  }: { roomId: string; title?: string; slices?: number },
): Promise<string> {
  const start = await callApi(t.url, '/recordings/start', {
    method: 'POST',
    token: owner.token,
    body: { roomId, title },
  });
  expect(start.status, JSON.stringify(start.body)).toBe(201);
  const { recordingId } = startedRecordingSchema.parse(start.body);
  await (await launcher.botFor(recordingId)).upload(slices);
  await statusBecomes(t, recordingId, 'recording');
  await callApi(t.url, `/recordings/${recordingId}/stop`, { method: 'POST', token: owner.token });
  return recordingId;
}

/** {@link recordAndStop}, then waits until the recording is ready. */
export async function recordReady(
  t: TestServer,
  launcher: FakeRecorderBotLauncher,
  owner: { token: string },
  options: { roomId: string; title?: string; slices?: number },
): Promise<string> {
  const recordingId = await recordAndStop(t, launcher, owner, options);
  await statusBecomes(t, recordingId, 'ready');
  return recordingId;
}

/**
 * A recording a server left `recording` behind it, with `clip` on disk as
 * its raw file: what a crash leaves for recovery to find.
 */
export async function leftRecording(
  t: TestServer,
  clip: string,
  input: {
    roomId: string;
    title: string;
    startedBy: string;
    nodeId?: string;
    leaseExpiresAt?: Date;
  },
): Promise<RecordingRow> {
  const repo = t.server.context.recordings;
  const row = await repo.create(input);
  await repo.transition(row.id, 'recording', { startedAt: new Date() });
  const dir = t.server.recording.recordingDir(input.roomId, row.id);
  await mkdir(dir, { recursive: true });
  await copyFile(clip, segmentPath(dir, 0));
  return row;
}
