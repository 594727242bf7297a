/**
 * Recording layouts with the real Chromium bot and real ffmpeg senders:
 * a synthetic participant whose camera is solid blue shares a solid red
 * screen; the default layout (`auto`) records `presentation`, the screen in
 * the large cell, checked on a frame from the middle of the finished file.
 * The owner changes the layout while recording; a replacement bot (its
 * browser SIGKILLed) starts with the changed one; others cannot change it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordingSchema, startedRecordingSchema } from '#protocol/rest/recordings';
import { auditPageSchema } from '#protocol/rest/audit';
import type { RecorderStats } from '#protocol/recorderPage';
import { probe } from '#server/recording/ffmpeg';
import type { RecordingSession } from '#server/recording/RecordingSession';
import {
  ensureClip,
  killProcess,
  senderArgs,
  type SyntheticParticipantResponse,
} from '../../../../scripts/lib/syntheticParticipants';
import { callApi } from '../../helpers/api';
import { browserMainsUnder, pidsMatching } from '../../helpers/processes';
import { stopUntilReady } from '../../helpers/recordings';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';

const WIDTH = 640;
const HEIGHT = 360;

let t: TestServer;
let admin: TestUser;
let owner: TestUser;
let student: TestUser;
let clipDir: string;
let cameraClip: string;
let screenClip: string;
const senders: ChildProcess[] = [];

beforeAll(async () => {
  t = await startTestServer({
    RECORDING_WIDTH: String(WIDTH),
    RECORDING_HEIGHT: String(HEIGHT),
    RECORDING_FPS: '10',
    RECORDING_STALL_TIMEOUT_MS: '3000',
  });
  admin = await t.createUser('admin');
  owner = await t.createUser('instructor');
  student = await t.createUser('student');
  clipDir = await mkdtemp(join(tmpdir(), 'layout-clips-'));
  const common = { seconds: 2, width: 320, height: 180, fps: 10, cacheDir: clipDir } as const;
  cameraClip = await ensureClip({
    index: 0,
    label: 'Cam',
    kind: 'solid',
    color: 'blue',
    ...common,
  });
  screenClip = await ensureClip({
    index: 1,
    label: 'Screen',
    kind: 'solid',
    color: 'red',
    ...common,
    width: 640,
    height: 360,
  });
});

afterEach(async () => {
  await Promise.all(senders.splice(0).map((sender) => killProcess(sender)));
  for (const room of [...t.server.rooms.rooms.values()]) room.close();
});

afterAll(async () => {
  await t?.close();
  await vi.waitFor(async () => expect(await pidsMatching('recorder-bot-')).toEqual([]), {
    timeout: 15_000,
    interval: 200,
  });
  if (clipDir) await rm(clipDir, { recursive: true, force: true });
});

/** A synthetic participant in `roomId` sending the blue camera, and the red screen with `screen`. */
async function addParticipant(roomId: string, screen: boolean, name = 'Presenter'): Promise<void> {
  const res = await callApi(t.url, `/admin/rooms/${roomId}/synthetic-participants`, {
    method: 'POST',
    token: admin.token,
    body: { displayName: name, ...(screen ? { screen: true } : {}) },
  });
  expect(res.status).toBe(201);
  const participant = res.body as SyntheticParticipantResponse;
  expect(participant.screen === null).toBe(!screen);
  senders.push(
    spawn('ffmpeg', senderArgs(cameraClip, participant, screen ? screenClip : undefined), {
      stdio: 'ignore',
    }),
  );
}

async function startRecording(roomId: string, layout?: string): Promise<RecordingSession> {
  const res = await callApi(t.url, '/recordings/start', {
    method: 'POST',
    token: owner.token,
    body: { roomId, title: 'Layouts', ...(layout ? { layout } : {}) },
  });
  expect(res.status).toBe(201);
  const { recordingId } = startedRecordingSchema.parse(res.body);
  const session = t.server.recording.sessions.get(recordingId)!;
  await once(session, 'recording');
  return session;
}

/** Waits until the page's own stats (through the bot's heartbeat) satisfy `check`. */
async function pageStats(
  session: RecordingSession,
  check: (page: RecorderStats) => boolean,
): Promise<RecorderStats> {
  let last: RecorderStats | null = null;
  await vi.waitFor(
    async () => {
      last = (await session.bot?.stats())?.page ?? null;
      expect(last && check(last) ? 'ok' : JSON.stringify(last)).toBe('ok');
    },
    { timeout: 20_000, interval: 200 },
  );
  return last!;
}

async function stopAndWaitReady(recordingId: string): Promise<string> {
  return (await stopUntilReady(t, owner, recordingId)).filePath!;
}

/** The mean RGB of a region (fractions of the picture) of the frame at `seconds`. */
async function meanColour(
  file: string,
  seconds: number,
  region: { x: number; y: number; width: number; height: number },
): Promise<[number, number, number]> {
  const w = 64;
  const h = 36;
  const ffmpeg = spawn(
    t.server.context.config.tools.ffmpegPath,
    // prettier-ignore
    ['-hide_banner', '-loglevel', 'error', '-ss', String(seconds), '-i', file,
      '-frames:v', '1', '-vf', `scale=${w}:${h}:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const chunks: Buffer[] = [];
  ffmpeg.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const [code] = (await once(ffmpeg, 'close')) as [number];
  expect(code).toBe(0);
  const pixels = Buffer.concat(chunks);
  expect(pixels.length).toBe(w * h * 3);
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = Math.floor(region.y * h); y < Math.ceil((region.y + region.height) * h); y++) {
    for (let x = Math.floor(region.x * w); x < Math.ceil((region.x + region.width) * w); x++) {
      for (let c = 0; c < 3; c++) sum[c]! += pixels[(y * w + x) * 3 + c]!;
      n++;
    }
  }
  return sum.map((v) => Math.round(v / n)) as [number, number, number];
}

describe('recording layouts', () => {
  it('auto records presentation while a screen is shared: the screen in the large cell, the camera beside it', async () => {
    const roomId = await t.createRoom(owner);
    await addParticipant(roomId, true);
    const session = await startRecording(roomId);
    const stats = await pageStats(
      session,
      (p) => p.drawnLayout === 'presentation' && p.tiles === 2,
    );
    expect(stats.layout).toBe('auto');
    // A few seconds of both pictures flowing.
    await vi.waitFor(() => expect(session.slicesReceived).toBeGreaterThanOrEqual(5), {
      timeout: 20_000,
      interval: 100,
    });
    const file = await stopAndWaitReady(session.recordingId);
    const { durationMs } = await probe(t.server.context.config.tools.ffprobePath, file);
    const middle = (durationMs ?? 4000) / 2000;
    // The large cell: the left three quarters, red.
    const [r, g, b] = await meanColour(file, middle, { x: 0.1, y: 0.2, width: 0.55, height: 0.6 });
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
    // The column on the right: the presenter's camera, blue (alone, so centred).
    const column = await meanColour(file, middle, { x: 0.8, y: 0.43, width: 0.15, height: 0.14 });
    expect(column[2]).toBeGreaterThan(150);
    expect(column[0]).toBeLessThan(80);
  });

  it('the owner changes the layout while recording; a replacement bot keeps it; others cannot; a finished recording cannot', async () => {
    const roomId = await t.createRoom(owner, { members: [{ id: student.id }] });
    await addParticipant(roomId, false);
    const session = await startRecording(roomId, 'speaker');
    const { recordingId } = session;
    await pageStats(session, (p) => p.layout === 'speaker' && p.drawnLayout === 'speaker');

    const bad = await callApi(t.url, `/recordings/${recordingId}/layout`, {
      method: 'POST',
      token: owner.token,
      body: { layout: 'mosaic' },
    });
    expect(bad.status).toBe(400);
    const denied = await callApi(t.url, `/recordings/${recordingId}/layout`, {
      method: 'POST',
      token: student.token,
      body: { layout: 'grid' },
    });
    expect([403, 404]).toContain(denied.status);

    const changed = await callApi(t.url, `/recordings/${recordingId}/layout`, {
      method: 'POST',
      token: owner.token,
      body: { layout: 'grid' },
    });
    expect(changed.status).toBe(200);
    expect(recordingSchema.parse(changed.body).layout).toBe('grid');
    await pageStats(session, (p) => p.layout === 'grid' && p.drawnLayout === 'grid');
    const audit = await callApi(t.url, `/recordings/${recordingId}/audit`, { token: owner.token });
    expect(auditPageSchema.parse(audit.body).items.map((e) => e.action)).toContain(
      'recording.layout',
    );

    // The bot's browser dies: its replacement records the layout as it is now.
    const [victim] = await browserMainsUnder(join(t.dataDir, 'bots'));
    expect(victim).toBeDefined();
    const resumed = once(session, 'resumed');
    process.kill(victim!, 'SIGKILL');
    await resumed;
    await pageStats(session, (p) => p.layout === 'grid' && p.state === 'recording');

    await stopAndWaitReady(recordingId);
    const late = await callApi(t.url, `/recordings/${recordingId}/layout`, {
      method: 'POST',
      token: owner.token,
      body: { layout: 'speaker' },
    });
    expect(late.status).toBe(409);
  });

  it('the speaker layout stops receiving the cameras its strip leaves out, and the grid takes them back', async () => {
    const roomId = await t.createRoom(owner);
    for (let i = 0; i < 9; i++) await addParticipant(roomId, false, `Student ${i + 1}`);
    const session = await startRecording(roomId, 'speaker');
    // 640x360: the strip holds 4 thumbnails; the speaker and 4 others are shown, 4 are not.
    await pageStats(session, (p) => p.tiles === 9 && p.hiddenTiles === 4);
    const room = t.server.rooms.getRoom(roomId)!;
    const recorder = [...room.peers.values()].find((peer) => peer.hidden)!;
    const pausedVideos = () =>
      [...recorder.consumers.values()].filter((c) => c.kind === 'video' && c.paused).length;
    await vi.waitFor(() => expect(pausedVideos()).toBe(4), { timeout: 10_000, interval: 100 });

    const changed = await callApi(t.url, `/recordings/${session.recordingId}/layout`, {
      method: 'POST',
      token: owner.token,
      body: { layout: 'grid' },
    });
    expect(changed.status).toBe(200);
    await pageStats(session, (p) => p.drawnLayout === 'grid' && p.hiddenTiles === 0);
    await vi.waitFor(() => expect(pausedVideos()).toBe(0), { timeout: 10_000, interval: 100 });
    await stopAndWaitReady(session.recordingId);
  });
});
