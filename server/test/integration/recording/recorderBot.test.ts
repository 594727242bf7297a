/**
 * The real recorder bot (Debian Chromium via puppeteer) against a real
 * server: an empty room records its waiting screen into a valid file, a page
 * that never signals readiness fails the recording with a clear reason, and
 * no browser outlives its recording. By default Chromium encodes H.264 and
 * the recording is finished as an MP4; with RECORDING_FORMAT=webm, VP9 in a WebM.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stopUntilReady } from '../../helpers/recordings';
import { startTestServer, type TestServer } from '../../helpers/testServer';
import { browserMainsUnder, isAlive, pidsMatching } from '../../helpers/processes';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { probe } from '#server/recording/ffmpeg';
import { videoKeyframeTimes } from '#server/delivery/hlsTranscode';

let server: TestServer | undefined;
let blank: Server | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await new Promise<void>((resolve) => (blank ? blank.close(() => resolve()) : resolve()));
  blank = undefined;
  // Every bot's Chromium is gone once the server closed.
  await vi.waitFor(async () => expect(await pidsMatching('recorder-bot-')).toEqual([]), {
    timeout: 15_000,
    interval: 200,
  });
});

async function post(url: string, token: string, body?: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/**
 * Records the empty room `roomId` with a real bot for `slices` slices (the
 * first come 100 ms apart, then one a second), stops, and resolves with the
 * ready row; the bot's browser runs while it records.
 */
async function recordEmptyRoom(t: TestServer, roomId: string, slices: number) {
  const instructor = await t.createUser('instructor');
  await t.ensureRoom(instructor, roomId);
  const start = await post(`${t.url}/api/v1/recordings/start`, instructor.token, {
    roomId,
    title: 'Nobody here',
  });
  expect(start.status).toBe(201);
  const id = start.json.recordingId as string;
  const session = t.server.recording.sessions.get(id)!;
  await vi.waitFor(() => expect(session.slicesReceived).toBeGreaterThanOrEqual(slices), {
    timeout: 30_000,
    interval: 100,
  });
  expect(await pidsMatching('recorder-bot-')).not.toEqual([]);
  return stopUntilReady(t, instructor, id);
}

const SMALL = { RECORDING_WIDTH: '640', RECORDING_HEIGHT: '360', RECORDING_FPS: '15' };

describe('recorder bot (real Chromium)', () => {
  it('records an empty room into a WebM: waiting screen at the configured size, seekable, then no browser left', async () => {
    server = await startTestServer({ ...SMALL, RECORDING_FORMAT: 'webm' });
    // About 3 s of media.
    const row = await recordEmptyRoom(server, 'empty-room', 5);
    expect(row.format).toBe('webm');
    expect(row.videoCodec).toBe('vp9');
    expect(row.resolutionWidth).toBe(640);
    expect(row.resolutionHeight).toBe(360);
    expect(row.audioCodec).toBe('opus');
    const facts = await probe('ffprobe', row.filePath!);
    expect(facts.durationMs).toBeGreaterThan(2000);
    // The bot closed its browser with the recording, before the server closed.
    await vi.waitFor(async () => expect(await pidsMatching('recorder-bot-')).toEqual([]), {
      timeout: 15_000,
      interval: 200,
    });
  });

  it('by default records H.264 into an MP4: its index first, a keyframe every 2 s', async () => {
    server = await startTestServer(SMALL);
    // About 5 s of media: two keyframe intervals.
    const row = await recordEmptyRoom(server, 'h264-room', 7);
    expect(row.format).toBe('mp4');
    expect(row.videoCodec).toBe('h264');
    expect(row.audioCodec).toBe('opus');
    expect(row.filePath).toMatch(/recording\.mp4$/);
    // The raw Matroska the slices made is gone once the MP4 is written.
    expect((await readdir(dirname(row.filePath!))).filter((f) => f.endsWith('.webm'))).toEqual([]);
    const bytes = await readFile(row.filePath!);
    expect(bytes.indexOf('moov', 0, 'latin1')).toBeLessThan(bytes.indexOf('mdat', 0, 'latin1'));
    const facts = await probe('ffprobe', row.filePath!);
    expect([facts.video?.width, facts.video?.height]).toEqual([640, 360]);
    expect(facts.durationMs).toBeGreaterThan(4000);
    const keyframes = await videoKeyframeTimes({ ffprobe: 'ffprobe', input: row.filePath! });
    expect(keyframes.length).toBeGreaterThanOrEqual(2);
    // The HLS job copies this video only if every segment can start at a keyframe.
    for (let i = 1; i < keyframes.length; i++) {
      const gap = keyframes[i]! - keyframes[i - 1]!;
      expect(gap, `keyframe ${i}`).toBeGreaterThan(1.8);
      expect(gap, `keyframe ${i}`).toBeLessThan(2.3);
    }
  });

  it('with a warm browser, the bot takes it over (no launch) and a fresh one is warmed after', async () => {
    server = await startTestServer({
      RECORDING_WIDTH: '320',
      RECORDING_HEIGHT: '240',
      RECORDING_FPS: '10',
      RECORDER_WARM_BROWSERS: '1',
    });
    const t = server;
    const launcher = t.server.botLauncher!;
    await vi.waitFor(() => expect(launcher.warmCount).toBe(1), { timeout: 30_000, interval: 100 });
    const [warmPid] = await browserMainsUnder(join(t.dataDir, 'bots'));
    const instructor = await t.createUser('instructor');
    await t.ensureRoom(instructor, 'warm-room');
    const start = await post(`${t.url}/api/v1/recordings/start`, instructor.token, {
      roomId: 'warm-room',
      title: 'Warm start',
    });
    const id = start.json.recordingId as string;
    const session = t.server.recording.sessions.get(id)!;
    await vi.waitFor(() => expect(session.slicesReceived).toBeGreaterThanOrEqual(2), {
      timeout: 15_000,
      interval: 100,
    });
    // The recording runs in the browser that was waiting (its pid comes with the next heartbeat).
    await vi.waitFor(() => expect(session.bot?.pid).toBe(warmPid), {
      timeout: 5_000,
      interval: 100,
    });
    expect(launcher.warmCount).toBe(0);
    // Another one is launched once the recording is under way.
    await vi.waitFor(() => expect(launcher.warmCount).toBe(1), { timeout: 30_000, interval: 100 });
    await post(`${t.url}/api/v1/recordings/${id}/stop`, instructor.token);
    await vi.waitFor(
      async () => expect((await t.server.context.recordings.findById(id))?.status).toBe('ready'),
      { timeout: 30_000, interval: 100 },
    );
    expect(await isAlive(warmPid!)).toBe(false);
  });

  it('a page that never becomes ready fails the recording with a clear reason', async () => {
    // PUBLIC_URL serves a page that is not the recorder; the worker's control
    // connection (a WebSocket upgrade to the same URL) still reaches the server.
    const real: { url?: URL } = {};
    blank = createServer((_req, res) => res.end('<!doctype html><title>not the recorder</title>'));
    blank.on('upgrade', (req, socket, head) => {
      const upstream = connect(Number(real.url!.port), real.url!.hostname, () => {
        const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`);
        upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
        upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => blank!.listen(0, '127.0.0.1', () => resolve()));
    const { port } = blank.address() as AddressInfo;
    server = await startTestServer({
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      RECORDING_READY_TIMEOUT_MS: '3000',
    });
    real.url = new URL(server.url);
    const instructor = await server.createUser('instructor');
    await server.ensureRoom(instructor, 'never-ready');
    const start = await post(`${server.url}/api/v1/recordings/start`, instructor.token, {
      roomId: 'never-ready',
      title: 'Broken page',
    });
    const id = start.json.recordingId as string;
    await vi.waitFor(
      async () =>
        expect((await server!.server.context.recordings.findById(id))?.status).toBe('failed'),
      { timeout: 30_000, interval: 100 },
    );
    const row = (await server.server.context.recordings.findById(id))!;
    expect(row.error).toMatch(/not ready after 3000 ms/);
    // The room is free again.
    const again = await post(`${server.url}/api/v1/recordings/start`, instructor.token, {
      roomId: 'never-ready',
      title: 'Second try',
    });
    expect(again.status).toBe(201);
    await post(
      `${server.url}/api/v1/recordings/${again.json.recordingId as string}/stop`,
      instructor.token,
    );
  });
});
