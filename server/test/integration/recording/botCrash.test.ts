/**
 * Fault tests with the real Chromium bot: its browser SIGKILLed, or frozen
 * with SIGSTOP, mid-recording. A replacement bot joins and the recording
 * goes on as a new segment of the same recording; the finished file plays
 * through and lists one interruption. The measured gap is printed for the
 * record (the benchmark, not this test, holds the performance goal).
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordingDetailSchema, startedRecordingSchema } from '#protocol/rest/recordings';
import type { Interruption } from '#server/recording/RecordingSession';
import { finishedFile } from '#server/recording/recordingFiles';
import { startTestServer, type TestServer } from '../../helpers/testServer';
import { callApi } from '../../helpers/api';
import { browserMainsUnder, isAlive, pidsMatching } from '../../helpers/processes';
import { probe } from '#server/recording/ffmpeg';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await vi.waitFor(async () => expect(await pidsMatching('recorder-bot-')).toEqual([]), {
    timeout: 15_000,
    interval: 200,
  });
});

/** The browser (main) process of the recording's current bot. */
async function browserPid(dataDir: string): Promise<number> {
  let pid: number | undefined;
  await vi.waitFor(
    async () => {
      pid = (await browserMainsUnder(join(dataDir, 'bots'))).at(-1);
      expect(pid).toBeDefined();
    },
    { timeout: 10_000, interval: 100 },
  );
  return pid!;
}

describe.each([
  { fault: 'SIGKILL' as const, what: 'crashes' },
  { fault: 'SIGSTOP' as const, what: 'hangs' },
])('a recorder browser that $what mid-recording', ({ fault }) => {
  it(`(${fault}) is replaced; the recording goes on and its file lists one interruption`, async () => {
    server = await startTestServer({
      RECORDING_WIDTH: '320',
      RECORDING_HEIGHT: '240',
      RECORDING_FPS: '10',
      RECORDING_STALL_TIMEOUT_MS: '3000',
    });
    const t = server;
    const instructor = await t.createUser('instructor');
    const roomId = await t.createRoom(instructor);
    const res = await callApi(t.url, '/recordings/start', {
      method: 'POST',
      token: instructor.token,
      body: { roomId, title: `bot ${fault}` },
    });
    const { recordingId } = startedRecordingSchema.parse(res.body);
    const session = t.server.recording.sessions.get(recordingId)!;
    await once(session, 'recording');
    const startedAt = session.startedAt!.getTime();
    await vi.waitFor(() => expect(session.slicesReceived).toBeGreaterThanOrEqual(3), {
      timeout: 15_000,
      interval: 100,
    });

    const victim = await browserPid(t.dataDir);
    const resumed = once(session, 'resumed') as Promise<[Interruption]>;
    const faultAt = Date.now();
    process.kill(victim, fault);
    const [interruption] = await resumed;
    const resumedAfterMs = Date.now() - faultAt;
    expect((await t.server.context.recordings.findById(recordingId))?.status).toBe('recording');
    // The frozen or dead browser is gone, not left behind.
    await vi.waitFor(async () => expect(await isAlive(victim)).toBe(false), {
      timeout: 15_000,
      interval: 100,
    });

    const slicesAtResume = session.slicesReceived;
    await vi.waitFor(
      () => expect(session.slicesReceived).toBeGreaterThanOrEqual(slicesAtResume + 3),
      {
        timeout: 15_000,
        interval: 100,
      },
    );
    const stopAt = Date.now();
    await callApi(t.url, `/recordings/${recordingId}/stop`, {
      method: 'POST',
      token: instructor.token,
    });
    await vi.waitFor(
      async () =>
        expect((await t.server.context.recordings.findById(recordingId))?.status).toBe('ready'),
      { timeout: 30_000, interval: 200 },
    );
    const row = recordingDetailSchema.parse(
      (await callApi(t.url, `/recordings/${recordingId}`, { token: instructor.token })).body,
    );
    expect(row.error).toBeNull();
    expect(row.interruptions).toHaveLength(1);
    const facts = await probe(
      'ffprobe',
      join(t.server.recording.recordingDir(roomId, recordingId), finishedFile(row.format)),
    );
    const wallMs = stopAt - startedAt;
    const lostMs = interruption.lostMs!;
    // What is missing is the interruption, and nothing else (2 s of slack for slice boundaries).
    expect(facts.durationMs!).toBeGreaterThan(wallMs - lostMs - 2_000);
    expect(facts.durationMs!).toBeLessThan(wallMs + 1_500);
    process.stderr.write(
      `[bot ${fault}] resumed after ${resumedAfterMs} ms; media lost ${lostMs} ms; file ${facts.durationMs} ms of ${wallMs} ms wall\n`,
    );
  });
});
