/**
 * A recording outlives its bot: a bot that crashes or hangs mid-recording is
 * replaced, the replacement records a new segment, finalization joins the
 * segments into one seekable file, and the recording lists the interruption.
 * The room never hears `recording-stopped` meanwhile. Only replacements
 * that keep failing end the recording, keeping what it has.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordingDetailSchema, startedRecordingSchema } from '#protocol/rest/recordings';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { TestClients } from '../signalling/signallingClient';
import { probe } from '#server/recording/ffmpeg';

let t: TestServer;
let mediaDir: string;
let launcher: FakeRecorderBotLauncher;
let owner: TestUser;
const clients = new TestClients();

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'bot-replacement-'));
  const clip = join(mediaDir, 'clip.webm');
  await makeTestWebm(clip, 3);
  launcher = new FakeRecorderBotLauncher(clip);
  t = await startTestServer(
    { RECORDING_STALL_TIMEOUT_MS: '2000', RECORDING_MAX_BOT_RESTARTS: '2' },
    { botLauncher: launcher },
  );
  owner = await t.createUser('instructor');
});

afterAll(async () => {
  clients.closeAll();
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

async function start(roomId: string): Promise<string> {
  await t.ensureRoom(owner, roomId);
  const res = await callApi(t.url, '/recordings/start', {
    method: 'POST',
    token: owner.token,
    body: { roomId, title: roomId },
  });
  expect(res.status).toBe(201);
  return startedRecordingSchema.parse(res.body).recordingId;
}

async function recording(id: string) {
  return recordingDetailSchema.parse(
    (await callApi(t.url, `/recordings/${id}`, { token: owner.token })).body,
  );
}

async function statusBecomes(id: string, status: string) {
  await vi.waitFor(async () => expect((await recording(id)).status).toBe(status), {
    timeout: 30_000,
    interval: 100,
  });
}

describe('a recording that outlives its bot', () => {
  it('a crashed bot is replaced; both segments end up in one file with the interruption listed', async () => {
    const id = await start('r-crash');
    const watcher = await clients.connect(t.url, owner.token);
    await watcher.ok('join', { roomId: 'r-crash' });
    const first = await launcher.botFor(id, 0);
    await first.upload(100); // the whole 3 s clip: a complete first segment
    await statusBecomes(id, 'recording');

    first.crash();
    const second = await launcher.botFor(id, 1);
    expect(second.token).not.toBe(first.token);
    // The replaced bot's token opens nothing any more.
    const stale = await fetch(`${t.url}/api/v1/recordings/${id}/slices/100`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${first.token}` },
      body: Buffer.from('late'),
    });
    expect(stale.status).toBe(409);
    await second.upload(100);
    await vi.waitFor(async () => expect((await recording(id)).interruptions).toHaveLength(1), {
      timeout: 10_000,
      interval: 100,
    });
    const during = await recording(id);
    expect(during.status).toBe('recording');
    expect(during.interruptions[0]).toMatchObject({ reason: 'simulated crash' });
    expect(during.interruptions[0]!.lostMs).toEqual(expect.any(Number));

    await callApi(t.url, `/recordings/${id}/stop`, { method: 'POST', token: owner.token });
    await statusBecomes(id, 'ready');
    const done = await recording(id);
    expect(done.error).toBeNull();
    expect(done.interruptions).toHaveLength(1);
    // Two 3-second segments, joined without re-encoding.
    expect(done.durationMs).toBeGreaterThan(5_500);
    expect(done.durationMs).toBeLessThan(6_800);
    const dir = t.server.recording.recordingDir('r-crash', id);
    expect((await readdir(dir)).sort()).toEqual([
      'metadata.json',
      'recording.webm',
      'thumbnail.jpg',
    ]);
    const facts = await probe('ffprobe', join(dir, 'recording.webm'));
    expect(facts.video?.codec).toBe('vp8');
    expect(facts.durationMs).toBeGreaterThan(5_500);
    // The room heard of the start and the stop, never of a stop in between.
    expect(watcher.received('recording-stopped')).toHaveLength(1);
    expect(watcher.received('recording-error')).toHaveLength(0);
  });

  it('a bot that stops sending slices (hung) is replaced after the stall timeout', async () => {
    const id = await start('r-hang');
    const first = await launcher.botFor(id, 0);
    await first.upload(3);
    await statusBecomes(id, 'recording');
    // No more slices from the first bot: the watchdog takes it for hung.
    const second = await launcher.botFor(id, 1);
    expect(first.closed).toBe(true);
    await second.upload(100);
    await callApi(t.url, `/recordings/${id}/stop`, { method: 'POST', token: owner.token });
    await statusBecomes(id, 'ready');
    const done = await recording(id);
    expect(done.interruptions).toHaveLength(1);
    expect(done.interruptions[0]!.reason).toMatch(/no slice for \d+ s/);
  });

  it('replacements that keep failing end the recording with a clear reason, keeping what it has', async () => {
    const id = await start('r-give-up');
    const first = await launcher.botFor(id, 0);
    await first.upload(100);
    await statusBecomes(id, 'recording');
    launcher.failLaunches = 'no browser today';
    try {
      first.crash();
      await statusBecomes(id, 'ready');
    } finally {
      launcher.failLaunches = null;
    }
    const done = await recording(id);
    expect(done.error).toMatch(
      /cut short: the recorder failed 2 times in a row \(last: no browser today\)/,
    );
    expect(done.durationMs).toBeGreaterThan(2_500);
    expect(done.interruptions).toHaveLength(1);
  });
});
