/**
 * Recording helpers for integration tests with the stand-in bot: start a
 * recording through the API, feed it slices, wait for a status.
 */
import { expect, vi } from 'vitest';
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
 * Records `slices` slices of the launcher's clip in `roomId` as `owner`,
 * stops, and waits until the recording is ready. Resolves with its id.
 */
export async function recordReady(
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
  await statusBecomes(t, recordingId, 'ready');
  return recordingId;
}
