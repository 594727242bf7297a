/**
 * HLS of a real finalized recording, through the API: the post-processing
 * job (on PGlite and PostgreSQL) makes two renditions whose playlists parse,
 * whose segments each start with a keyframe and add up to the WebM's
 * duration; the playlists' signed URLs open them without headers, and an
 * expired, tampered or other recording's signature is refused; progress is
 * pushed to the owner; an admin's reprocess makes them again. An H.264
 * recording is finalized as an MP4 (index first) and its own-size rendition
 * is the recording's video copied, cut at the same instants as the 360p.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPostgresDatabase, type TemporaryPostgresDatabase } from '#db/test/helpers/databases';
import { recordingDetailSchema, playbackSchema } from '#protocol/rest/recordings';
import { resolveJwtSecret } from '#server/auth/jwtSecret';
import { StreamUrlSigner } from '#server/delivery/StreamUrlSigner';
import { avcCodecOf, parseVariantPlaylist } from '#server/delivery/hlsTranscode';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { recordReady } from '../../helpers/recordings';
import { TestClients } from '../signalling/signallingClient';

const run = promisify(execFile);
const CLIP_SECONDS = 10;

let dir: string;
let clip: string;
let h264Clip: string;
let postgres: TemporaryPostgresDatabase;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hls-'));
  clip = join(dir, 'clip.webm');
  h264Clip = join(dir, 'clip-h264.mkv');
  // Larger than 360p, so that both renditions are made.
  await makeTestWebm(clip, CLIP_SECONDS, { size: '640x480', codec: 'vp9' });
  await makeTestWebm(h264Clip, CLIP_SECONDS, { size: '640x480', codec: 'h264' });
  postgres = await createPostgresDatabase();
});

afterAll(async () => {
  await postgres?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function hlsReady(t: TestServer, id: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const row = await t.server.context.recordings.findById(id);
      expect(row?.hlsError ?? null).toBeNull();
      expect(row?.hlsStatus).toBe('ready');
    },
    { timeout: 60_000, interval: 100 },
  );
}

async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Whether the first video packet of init + segment is a keyframe, read by ffprobe. */
async function firstFrameIsKey(bytes: Buffer, name: string): Promise<boolean> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=flags',
    '-of',
    'csv=p=0',
    path,
  ]);
  return stdout.trim().split('\n')[0]?.trim().startsWith('K') ?? false;
}

describe.each([
  { database: 'embedded PGlite', url: () => undefined },
  { database: 'PostgreSQL', url: () => postgres.url },
])('HLS post-processing on $database', ({ url }) => {
  let t: TestServer;
  let owner: TestUser;
  let id: string;

  beforeAll(async () => {
    const launcher = new FakeRecorderBotLauncher(clip);
    t = await startTestServer(
      { HLS_ENABLED: 'true', ...(url() ? { DATABASE_URL: url()! } : {}) },
      { botLauncher: launcher },
    );
    owner = await t.createUser('instructor');
    id = await recordReady(t, launcher, owner, {
      roomId: await t.createRoom(owner),
      title: 'HLS lecture',
    });
    await hlsReady(t, id);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('makes the source and 360p renditions, each as long as the WebM', async () => {
    const res = await callApi(t.url, `/recordings/${id}`, { token: owner.token });
    const rec = recordingDetailSchema.parse(res.body);
    expect(rec.hls?.status).toBe('ready');
    expect(rec.hls?.progress).toBe(1);
    const byName = Object.fromEntries(rec.hls!.renditions.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(['360p', 'source']);
    expect([byName.source!.width, byName.source!.height]).toEqual([640, 480]);
    expect([byName['360p']!.width, byName['360p']!.height]).toEqual([480, 360]);
    for (const r of rec.hls!.renditions) {
      expect(Math.abs(r.durationSeconds - rec.durationMs! / 1000)).toBeLessThan(0.5);
      // The profile and level the stream itself declares in its init segment.
      const init = await readFile(
        t.server.context.storage.localPath({ id, roomId: rec.roomId }, `hls/${r.name}/init.mp4`),
      );
      expect(r.codecs).toBe(`${avcCodecOf(init)},mp4a.40.2`);
      expect(r.bandwidth).toBeGreaterThanOrEqual(r.averageBandwidth);
    }
    expect(rec.storedBytes).toBeGreaterThan(rec.fileSize!);
  });

  it('serves playlists whose signed URLs open every segment, each starting with a keyframe', async () => {
    const master = await fetch(`${t.url}/api/v1/recordings/${id}/stream`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    const text = await master.text();
    expect(text).toContain('#EXT-X-STREAM-INF:');
    const variants = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(variants).toHaveLength(2);
    const base = `${t.url}/api/v1/recordings/${id}/stream`;
    // One AAC rendition shared by both video renditions, signed like them.
    const audioUri = /#EXT-X-MEDIA:TYPE=AUDIO,.*URI="([^"]+)"/.exec(text)?.[1];
    expect(audioUri).toMatch(/^hls\/audio\/index\.m3u8\?exp=\d+&uid=[0-9a-f-]+&sig=/);
    const audioUrl = new URL(audioUri!, base);
    const audio = parseVariantPlaylist(await (await fetch(audioUrl)).text());
    const audioSeconds = audio.segments.reduce((n, s) => n + s.durationSeconds, 0);
    expect(Math.abs(audioSeconds - CLIP_SECONDS)).toBeLessThan(0.5);
    const audioSegment = await fetchBytes(new URL(audio.segments[0]!.uri, audioUrl).toString());
    expect(audioSegment.length).toBeGreaterThan(100);
    for (const variant of variants) {
      expect(variant).toMatch(/^hls\/(source|360p)\/index\.m3u8\?exp=\d+&uid=[0-9a-f-]+&sig=/);
      const variantUrl = new URL(variant, base);
      // No header: the signature alone opens it.
      const playlist = await fetch(variantUrl);
      expect(playlist.status).toBe(200);
      const parsed = parseVariantPlaylist(await playlist.text());
      expect(parsed.mapUri).toMatch(/^init\.mp4\?/);
      expect(parsed.segments.length).toBeGreaterThanOrEqual(2);
      const total = parsed.segments.reduce((n, s) => n + s.durationSeconds, 0);
      expect(Math.abs(total - CLIP_SECONDS)).toBeLessThan(0.5);
      const init = await fetchBytes(new URL(parsed.mapUri!, variantUrl).toString());
      for (const [index, segment] of parsed.segments.entries()) {
        expect(segment.durationSeconds).toBeLessThanOrEqual(parsed.targetDuration);
        const bytes = await fetchBytes(new URL(segment.uri, variantUrl).toString());
        expect(
          await firstFrameIsKey(Buffer.concat([init, bytes]), `s${index}.mp4`),
          `${variant} segment ${index}`,
        ).toBe(true);
      }
    }
  });
});

describe('HLS of an H.264 recording (MP4, the video copied)', () => {
  let t: TestServer;
  let owner: TestUser;
  let id: string;

  beforeAll(async () => {
    const launcher = new FakeRecorderBotLauncher(h264Clip);
    t = await startTestServer({ HLS_ENABLED: 'true' }, { botLauncher: launcher });
    owner = await t.createUser('instructor');
    id = await recordReady(t, launcher, owner, {
      roomId: await t.createRoom(owner),
      title: 'H.264 lecture',
    });
    await hlsReady(t, id);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('is finalized as an MP4 with its index first, downloaded as video/mp4', async () => {
    const rec = recordingDetailSchema.parse(
      (await callApi(t.url, `/recordings/${id}`, { token: owner.token })).body,
    );
    expect(rec.format).toBe('mp4');
    expect(rec.videoCodec).toBe('h264');
    const res = await fetch(`${t.url}/api/v1/recordings/${id}/download`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('video/mp4');
    expect(res.headers.get('content-disposition')).toMatch(
      /filename="H\.264_lecture-[0-9a-f]{8}\.mp4"/,
    );
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(rec.fileSize);
    // Faststart: the index (moov) comes before the media (mdat).
    const moov = bytes.indexOf('moov', 0, 'latin1');
    const mdat = bytes.indexOf('mdat', 0, 'latin1');
    expect(moov).toBeGreaterThan(0);
    expect(moov).toBeLessThan(mdat);
    expect(Math.abs(rec.durationMs! / 1000 - CLIP_SECONDS)).toBeLessThan(0.5);
  });

  it('copies the video as the source rendition, cut at the same instants as the 360p', async () => {
    const rec = recordingDetailSchema.parse(
      (await callApi(t.url, `/recordings/${id}`, { token: owner.token })).body,
    );
    const byName = Object.fromEntries(rec.hls!.renditions.map((r) => [r.name, r]));
    // Copied: the recording's own Constrained Baseline (the encoded 360p is x264's).
    expect(byName.source!.codecs).toMatch(/^avc1\.42[0-9a-f]{4},mp4a\.40\.2$/);
    const dirOf = (name: string) =>
      t.server.context.storage.localPath({ id, roomId: rec.roomId }, `hls/${name}`);
    const playlists = await Promise.all(
      ['source', '360p'].map(async (name) =>
        parseVariantPlaylist(await readFile(join(dirOf(name), 'index.m3u8'), 'utf8')),
      ),
    );
    const starts = playlists.map((p) =>
      p.segments.map((_, i) => p.segments.slice(0, i).reduce((n, s) => n + s.durationSeconds, 0)),
    );
    expect(starts[0]!.length).toBeGreaterThanOrEqual(2);
    expect(starts[1]).toHaveLength(starts[0]!.length);
    for (const [i, at] of starts[0]!.entries()) {
      expect(Math.abs(at - starts[1]![i]!), `segment ${i}`).toBeLessThan(0.05);
    }
    for (const [r, name] of ['source', '360p'].entries()) {
      const init = await readFile(join(dirOf(name), 'init.mp4'));
      for (const [index, segment] of playlists[r]!.segments.entries()) {
        const bytes = await readFile(join(dirOf(name), segment.uri));
        expect(
          await firstFrameIsKey(Buffer.concat([init, bytes]), `h${r}-${index}.mp4`),
          `${name} segment ${index}`,
        ).toBe(true);
      }
      const total = playlists[r]!.segments.reduce((n, s) => n + s.durationSeconds, 0);
      expect(Math.abs(total - CLIP_SECONDS)).toBeLessThan(0.5);
    }
    // The copy is the recording's own pictures: the same frame count as the MP4.
    const frames = async (file: string) => {
      const { stdout } = await run('ffprobe', [
        '-v',
        'error',
        '-count_packets',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_packets',
        '-of',
        'csv=p=0',
        file,
      ]);
      // The HLS demuxer lists the stream once per program: the first count.
      return Number(stdout.trim().split('\n')[0]);
    };
    const mp4 = t.server.context.storage.localPath({ id, roomId: rec.roomId }, 'recording.mp4');
    expect(await frames(join(dirOf('source'), 'index.m3u8'))).toBe(await frames(mp4));
  });
});

describe('HLS links and jobs (embedded)', () => {
  let t: TestServer;
  let launcher: FakeRecorderBotLauncher;
  let owner: TestUser;
  let admin: TestUser;
  let outsider: TestUser;
  let id: string;
  let signer: StreamUrlSigner;
  const clients = new TestClients();

  beforeAll(async () => {
    launcher = new FakeRecorderBotLauncher(clip);
    t = await startTestServer({ HLS_ENABLED: 'true' }, { botLauncher: launcher });
    [owner, admin, outsider] = [
      await t.createUser('instructor'),
      await t.createUser('admin'),
      await t.createUser('instructor'),
    ];
    id = await recordReady(t, launcher, owner, { roomId: await t.createRoom(owner), title: 'x' });
    await hlsReady(t, id);
    signer = new StreamUrlSigner(resolveJwtSecret(undefined, t.dataDir).secret);
  }, 120_000);

  afterEach(() => clients.closeAll());

  afterAll(async () => {
    await t?.close();
  });

  const segmentUrl = (query: string) =>
    `${t.url}/api/v1/recordings/${id}/hls/360p/init.mp4?${query}`;

  it('a valid signature opens a file; expired, tampered and other recordings’ signatures answer 403', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000);
    expect((await fetch(segmentUrl(signer.sign(id, owner.id, inAnHour)))).status).toBe(200);

    const expired = signer.sign(id, owner.id, new Date(Date.now() - 1000));
    expect((await fetch(segmentUrl(expired))).status).toBe(403);

    const good = new URLSearchParams(signer.sign(id, owner.id, inAnHour));
    const sig = good.get('sig')!;
    good.set('sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
    expect((await fetch(segmentUrl(good.toString()))).status).toBe(403);

    const later = new URLSearchParams(signer.sign(id, owner.id, inAnHour));
    later.set('exp', String(Number(later.get('exp')) + 3600));
    expect((await fetch(segmentUrl(later.toString()))).status).toBe(403);

    const otherRecording = signer.sign(crypto.randomUUID(), owner.id, inAnHour);
    expect((await fetch(segmentUrl(otherRecording))).status).toBe(403);

    // Signed for someone the policy does not let view it: refused as unseen.
    expect((await fetch(segmentUrl(signer.sign(id, outsider.id, inAnHour)))).status).toBe(404);
    // No signature at all: a bad request, not a crash.
    expect((await fetch(`${t.url}/api/v1/recordings/${id}/hls/360p/init.mp4`)).status).toBe(400);
    expect((await fetch(segmentUrl('exp=1&uid=x&sig=y'))).status).toBe(400);
  });

  it('the master playlist is opened by a playback link and refused to those who may not view', async () => {
    const playback = await callApi(t.url, `/recordings/${id}/playback`, {
      method: 'POST',
      token: owner.token,
    });
    const { hlsUrl } = playbackSchema.parse(playback.body);
    expect(hlsUrl).toMatch(/\/stream\?token=/);
    const master = await fetch(new URL(hlsUrl!, t.url));
    expect(master.status).toBe(200);
    expect(await master.text()).toMatch(/hls\/source\/index\.m3u8\?exp=/);

    const outsiders = await callApi(t.url, `/recordings/${id}/stream`, { token: outsider.token });
    expect(outsiders.status).toBe(404);
    const noToken = await fetch(`${t.url}/api/v1/recordings/${id}/stream`);
    expect(noToken.status).toBe(401);
  });

  it('an admin’s reprocess makes the renditions again, with progress pushed to the owner', async () => {
    const socket = await clients.connect(t.url, owner.token);
    const denied = await callApi(t.url, `/recordings/${id}/reprocess`, {
      method: 'POST',
      token: owner.token,
    });
    expect(denied.status).toBe(403);
    const queued = await callApi(t.url, `/recordings/${id}/reprocess`, {
      method: 'POST',
      token: admin.token,
    });
    expect(queued.status).toBe(202);
    const done = await vi.waitFor(
      () => {
        const events = socket
          .received('recording-hls-progress')
          .filter((e) => e.recordingId === id);
        const ready = events.find((e) => e.status === 'ready');
        expect(ready).toBeDefined();
        return events;
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(done.some((e) => e.status === 'processing')).toBe(true);
    expect(done.at(-1)).toMatchObject({ status: 'ready', progress: 1 });
    await hlsReady(t, id);
    const audit = await callApi(t.url, `/recordings/${id}/audit?limit=50`, { token: owner.token });
    expect(JSON.stringify(audit.body)).toContain('recording.reprocess');
  });
});
