/**
 * Recorder workers as separate processes (`npm run worker`, real Chromium)
 * beside a server that runs none (RECORDER_WORKERS=external), all on one
 * PostgreSQL: two recordings in two rooms go to two workers (one bot each),
 * the admin list shows each bot's worker, host and browser pid, and stop
 * reaches the remote workers; a worker SIGKILLed mid-recording is replaced
 * by the other worker and the recording goes on as a new segment, with
 * none of the dead worker's browsers left behind.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPostgresDatabase, type TemporaryPostgresDatabase } from '#db/test/helpers/databases';
import { browsersUnder } from '#recorder-bot/orphanBrowsers';
import { recorderBotListSchema, type RecorderBotJson } from '#protocol/rest/admin';
import { recordingDetailSchema, startedRecordingSchema } from '#protocol/rest/recordings';
import type { Interruption } from '#server/recording/RecordingSession';
import { probe } from '#server/recording/ffmpeg';
import {
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../../server/test/helpers/testServer';
import { callApi } from '../../../server/test/helpers/api';
import { descendantsOf, isAlive, pidsMatching } from '../../../server/test/helpers/processes';
import { startWorkerProcess, type WorkerProcess } from '../../../scripts/lib/serverProcess';

const HEARTBEAT_MS = 1_000;
/** The server's default: a worker silent this long is taken for gone. */
const LAPSE_MS = 3_000;
const JWT_SECRET = 'external-workers-test-secret-0123456789abcdef';

let database: TemporaryPostgresDatabase;
let dataDir: string;
let server: TestServer;
let admin: TestUser;
let instructor: TestUser;
const workers = new Map<string, WorkerProcess>();

async function startWorker(workerId: string): Promise<void> {
  workers.set(
    workerId,
    await startWorkerProcess({
      dataDir,
      env: {
        DATABASE_URL: database.url,
        WORKER_ID: workerId,
        RECORDER_MAX_PER_WORKER: '1',
        // These tests share two cores with the server and each other: admission by count only.
        RECORDER_MIN_IDLE_CPU: '0',
        RECORDER_HEARTBEAT_MS: String(HEARTBEAT_MS),
        RECORDER_POLL_MS: '250',
      },
    }),
  );
}

async function stopWorker(workerId: string): Promise<void> {
  const worker = workers.get(workerId);
  workers.delete(workerId);
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = once(worker.child, 'exit');
  worker.child.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  database = await createPostgresDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'external-workers-'));
  server = await startTestServer({
    DATABASE_URL: database.url,
    JWT_SECRET,
    RECORDER_WORKERS: 'external',
    RECORDER_HEARTBEAT_MS: String(HEARTBEAT_MS),
    RECORDING_WIDTH: '320',
    RECORDING_HEIGHT: '240',
    RECORDING_FPS: '10',
  });
  admin = await server.createUser('admin');
  instructor = await server.createUser('instructor');
  await Promise.all([startWorker('worker-a'), startWorker('worker-b')]);
});

afterAll(async () => {
  await server?.close();
  await Promise.all([...workers.keys()].map(stopWorker));
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
  await vi.waitFor(async () => expect(await pidsMatching('recorder-bot-')).toEqual([]), {
    timeout: 15_000,
    interval: 200,
  });
});

async function startRecording(title: string): Promise<string> {
  const roomId = await server.createRoom(instructor);
  const res = await callApi(server.url, '/recordings/start', {
    method: 'POST',
    token: instructor.token,
    body: { roomId, title },
  });
  expect(res.status).toBe(201);
  return startedRecordingSchema.parse(res.body).recordingId;
}

async function recordersList(): Promise<RecorderBotJson[]> {
  const res = await callApi(server.url, '/admin/recorders', { token: admin.token });
  expect(res.status).toBe(200);
  return recorderBotListSchema.parse(res.body).items;
}

/** The admin list's entry for a recording once a worker runs its bot and reported its browser. */
async function runningBot(recordingId: string, notOn?: string): Promise<RecorderBotJson> {
  let found: RecorderBotJson | undefined;
  await vi.waitFor(
    async () => {
      found = (await recordersList()).find(
        (item) => item.recordingId === recordingId && item.workerId !== notOn && item.pid,
      );
      expect(found).toBeDefined();
    },
    { timeout: 20_000, interval: 200 },
  );
  return found!;
}

async function recordingOf(id: string) {
  const res = await callApi(server.url, `/recordings/${id}`, { token: instructor.token });
  return recordingDetailSchema.parse(res.body);
}

async function waitForStatus(id: string, status: string) {
  await vi.waitFor(async () => expect((await recordingOf(id)).status).toBe(status), {
    timeout: 30_000,
    interval: 200,
  });
}

describe('recorder workers in their own processes', () => {
  it('two recordings run on two workers; the list shows worker, host and pid; stop reaches them', async () => {
    const ids = [await startRecording('on a worker'), await startRecording('on the other')];
    const bots = await Promise.all(ids.map((id) => runningBot(id)));
    expect(new Set(bots.map((bot) => bot.workerId))).toEqual(new Set(['worker-a', 'worker-b']));
    for (const bot of bots) {
      expect(bot.workerHost).toBe(hostname());
      expect(bot.nodeId).toEqual(expect.any(String));
      const worker = workers.get(bot.workerId!)!;
      // The pid is that worker's own Chromium.
      expect(await descendantsOf(worker.child.pid!)).toContain(bot.pid);
    }
    await Promise.all(
      ids.map((id) =>
        vi.waitFor(
          () => expect(server.server.recording.sessions.get(id)?.slicesReceived).toBeGreaterThan(2),
          { timeout: 20_000, interval: 100 },
        ),
      ),
    );
    for (const id of ids) {
      const res = await callApi(server.url, `/recordings/${id}/stop`, {
        method: 'POST',
        token: instructor.token,
      });
      expect(res.status).toBe(200);
    }
    for (const id of ids) await waitForStatus(id, 'ready');
    for (const bot of bots) {
      await vi.waitFor(async () => expect(await isAlive(bot.pid!)).toBe(false), {
        timeout: 10_000,
        interval: 100,
      });
    }
    for (const id of ids) {
      const done = await recordingOf(id);
      // The remote bot flushed its last slice on stop: the recording ended cleanly.
      expect(done.error).toBeNull();
      expect(done.interruptions ?? []).toEqual([]);
    }
    await vi.waitFor(async () => expect(await recordersList()).toEqual([]), {
      timeout: 5_000,
      interval: 200,
    });
  });

  it('a SIGKILLed worker is replaced by the other one within heartbeat + 3 s; nothing of it is left', async () => {
    const id = await startRecording('worker killed');
    const session = server.server.recording.sessions.get(id)!;
    const first = await runningBot(id);
    // The first slices come 100 ms apart, then one a second: about 3 s of media.
    await vi.waitFor(() => expect(session.slicesReceived).toBeGreaterThanOrEqual(5), {
      timeout: 20_000,
      interval: 100,
    });
    const victim = workers.get(first.workerId!)!;
    const resumed = once(session, 'resumed') as Promise<[Interruption]>;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    const [interruption] = await resumed;
    const resumedAfterMs = Date.now() - killedAt;
    process.stdout.write(
      `worker SIGKILL: replacement's first slice after ${resumedAfterMs} ms, ${interruption.lostMs} ms of media lost (${interruption.reason})\n`,
    );
    expect(interruption.reason).toMatch(/worker .* lost/);
    expect(interruption.lostMs).toBeLessThanOrEqual(HEARTBEAT_MS + 3_000);
    const second = await runningBot(id, first.workerId!);
    expect(second.workerId).not.toBe(first.workerId);
    // The dead worker's Chromium died with it (parent-death signal).
    await vi.waitFor(
      async () => expect(await browsersUnder(join(dataDir, 'bots', first.workerId!))).toEqual([]),
      { timeout: 5_000, interval: 100 },
    );
    expect((await recordingOf(id)).status).toBe('recording');
    const atResume = session.slicesReceived;
    await vi.waitFor(() => expect(session.slicesReceived).toBeGreaterThanOrEqual(atResume + 4), {
      timeout: 20_000,
      interval: 100,
    });
    await callApi(server.url, `/recordings/${id}/stop`, {
      method: 'POST',
      token: instructor.token,
    });
    await waitForStatus(id, 'ready');
    const done = await recordingOf(id);
    expect(done.interruptions).toHaveLength(1);
    const row = (await server.server.context.recordings.findById(id))!;
    const facts = await probe('ffprobe', row.filePath!);
    expect(facts.durationMs).toBeGreaterThan(4_000);
  });

  it('a frozen worker (SIGSTOP) is replaced once its heartbeat lapses; woken, it closes its stale bot', async () => {
    await startWorker('worker-c');
    const id = await startRecording('worker frozen');
    const session = server.server.recording.sessions.get(id)!;
    const first = await runningBot(id);
    await vi.waitFor(() => expect(session.slicesReceived).toBeGreaterThanOrEqual(5), {
      timeout: 20_000,
      interval: 100,
    });
    const frozen = workers.get(first.workerId!)!;
    const resumed = once(session, 'resumed') as Promise<[Interruption]>;
    frozen.child.kill('SIGSTOP');
    try {
      const [interruption] = await resumed;
      process.stdout.write(
        `worker SIGSTOP: ${interruption.lostMs} ms of media lost (${interruption.reason})\n`,
      );
      expect(interruption.reason).toMatch(/no heartbeat for/);
      expect(interruption.lostMs).toBeLessThanOrEqual(LAPSE_MS + 3_000);
      const second = await runningBot(id, first.workerId!);
      expect(second.workerId).not.toBe(first.workerId);
    } finally {
      frozen.child.kill('SIGCONT');
    }
    // Awake again, the frozen worker hears its bot was given up and closes it.
    await vi.waitFor(async () => expect(await isAlive(first.pid!)).toBe(false), {
      timeout: 15_000,
      interval: 200,
    });
    await callApi(server.url, `/recordings/${id}/stop`, {
      method: 'POST',
      token: instructor.token,
    });
    await waitForStatus(id, 'ready');
    expect((await recordingOf(id)).interruptions).toHaveLength(1);
  });
});
