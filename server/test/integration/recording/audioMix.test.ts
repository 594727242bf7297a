/**
 * The recorded mix with the real Chromium bot and real ffmpeg senders:
 * synthetic participants send pure tones (each its own frequency) at set
 * levels; the finished file's audio is checked with ffprobe (Opus, stereo,
 * 48 kHz, its bitrate against the configured one) and with ffmpeg's
 * `ebur128`/`astats` (four full-scale speakers at once do not clip; a quiet
 * speaker next to a loud one stays audible).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startedRecordingSchema } from '#protocol/rest/recordings';
import { runTool } from '#server/recording/ffmpeg';
import { audioLevels } from '../../../../bench/lib/audioLevels';
import {
  ensureClip,
  killProcess,
  senderArgs,
  toneOf,
  type SyntheticParticipantResponse,
} from '../../../../scripts/lib/syntheticParticipants';
import { callApi } from '../../helpers/api';
import { pidsMatching } from '../../helpers/processes';
import { stopUntilReady } from '../../helpers/recordings';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';

const AUDIO_BITRATE = 128_000;

let t: TestServer;
let admin: TestUser;
let owner: TestUser;
let clipDir: string;
const senders: ChildProcess[] = [];

beforeAll(async () => {
  t = await startTestServer({
    RECORDING_WIDTH: '320',
    RECORDING_HEIGHT: '180',
    RECORDING_FPS: '10',
    RECORDING_AUDIO_BITRATE: String(AUDIO_BITRATE),
  });
  admin = await t.createUser('admin');
  owner = await t.createUser('instructor');
  clipDir = await mkdtemp(join(tmpdir(), 'mix-clips-'));
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

/** Records `levels.length` participants, participant i's tone at `levels[i]` dBFS; the ready file. */
async function recordTones(levels: number[], slices: number): Promise<string> {
  const roomId = await t.createRoom(owner);
  for (const [index, audioDb] of levels.entries()) {
    const clip = await ensureClip({
      index,
      label: `Tone ${index + 1}`,
      kind: 'solid',
      color: 'gray',
      audioDb,
      seconds: 4,
      width: 160,
      height: 90,
      fps: 10,
      cacheDir: clipDir,
    });
    const res = await callApi(t.url, `/admin/rooms/${roomId}/synthetic-participants`, {
      method: 'POST',
      token: admin.token,
      body: { displayName: `Tone ${index + 1}` },
    });
    expect(res.status).toBe(201);
    const participant = res.body as SyntheticParticipantResponse;
    senders.push(spawn('ffmpeg', senderArgs(clip, participant), { stdio: 'ignore' }));
  }
  const started = await callApi(t.url, '/recordings/start', {
    method: 'POST',
    token: owner.token,
    body: { roomId, title: 'Mix' },
  });
  expect(started.status).toBe(201);
  const { recordingId } = startedRecordingSchema.parse(started.body);
  const session = t.server.recording.sessions.get(recordingId)!;
  await once(session, 'recording');
  await vi.waitFor(() => expect(session.slicesReceived).toBeGreaterThanOrEqual(slices), {
    timeout: 30_000,
    interval: 100,
  });
  return (await stopUntilReady(t, owner, recordingId)).filePath!;
}

/** The audio stream as ffprobe reads it, with its bitrate from the packets' sizes. */
async function audioStream(file: string) {
  const { stdout } = await runTool(t.server.context.config.tools.ffprobePath, [
    '-v',
    'error',
    '-select_streams',
    'a:0',
    '-show_entries',
    'stream=codec_name,channels,sample_rate:packet=size,pts_time',
    '-of',
    'json',
    file,
  ]);
  const json = JSON.parse(stdout) as {
    streams: Array<{ codec_name: string; channels: number; sample_rate: string }>;
    packets: Array<{ size: string; pts_time: string }>;
  };
  const times = json.packets.map((p) => Number(p.pts_time));
  const seconds = Math.max(...times) - Math.min(...times);
  const bits = json.packets.reduce((sum, p) => sum + Number(p.size) * 8, 0);
  return { ...json.streams[0]!, bitrate: bits / seconds };
}

describe('the recorded mix', () => {
  it('four speakers at full scale: stereo 48 kHz Opus at about the configured bitrate, true peak under −1 dBTP', async () => {
    const file = await recordTones([-1, -1, -1, -1], 6);
    const stream = await audioStream(file);
    expect(stream).toMatchObject({ codec_name: 'opus', channels: 2, sample_rate: '48000' });
    // Opus is VBR: the configured rate is a target, not a ceiling.
    expect(stream.bitrate).toBeGreaterThan(AUDIO_BITRATE * 0.5);
    expect(stream.bitrate).toBeLessThan(AUDIO_BITRATE * 1.3);
    const levels = await audioLevels(t.server.context.config.tools.ffmpegPath, file, []);
    expect(levels.truePeakDbtp).not.toBeNull();
    expect(levels.truePeakDbtp!).toBeLessThanOrEqual(-1);
  });

  it('a speaker at −30 dBFS next to one at −1 dBFS stays within 12 dB of it in the mix', async () => {
    const file = await recordTones([-1, -30], 8);
    const levels = await audioLevels(t.server.context.config.tools.ffmpegPath, file, [
      toneOf(0),
      toneOf(1),
    ]);
    const [loud, quiet] = levels.tones.map((tone) => tone.rmsDb);
    expect(loud).not.toBeNull();
    expect(quiet).not.toBeNull();
    expect(loud! - quiet!).toBeLessThan(12);
  });
});
