/**
 * STORAGE=s3 through the API against a real S3-compatible server (OpenStack
 * Swift with s3api, started for this file): a finished recording and its HLS
 * tree are uploaded under {roomId}/{recordingId}/, verified and removed from
 * the local disk; downloads and segments answer 302 to presigned URLs that
 * work (or are proxied with Range under S3_PROXY); a corrupted object is
 * found by verify and no longer served; an admin's reprocess works from the
 * bucket; delete removes the objects.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { RETENTION_QUEUE } from '#server/jobs/MaintenanceJobs';
import { recordingDetailSchema, verifyResultSchema } from '#protocol/rest/recordings';
import {
  s3ClientFor,
  s3StorageEnv,
  startS3Server,
  type S3Server,
} from '../../../../scripts/lib/s3Server';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { recordReady } from '../../helpers/recordings';

let dir: string;
let clip: string;
let s3: S3Server;
let client: S3Client;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-storage-'));
  clip = join(dir, 'clip.webm');
  await makeTestWebm(clip, 6, { size: '640x480', codec: 'vp9' });
  s3 = await startS3Server({ bucket: 'recordings' });
  client = s3ClientFor(s3);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

function s3Env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...s3StorageEnv(s3),
    // Swift's s3api takes SSE-S3 when its encryption middleware runs (as here).
    S3_SSE: 'AES256',
    HLS_ENABLED: 'true',
    POSTPROCESS_RETRY_DELAY_SECONDS: '1',
    ...extra,
  };
}

/** A ready recording whose files have moved to the bucket. */
async function storedRecording(
  t: TestServer,
  launcher: FakeRecorderBotLauncher,
  owner: TestUser,
): Promise<string> {
  const id = await recordReady(t, launcher, owner, {
    roomId: await t.createRoom(owner),
    title: 'Lecture in the bucket',
  });
  await vi.waitFor(
    async () => {
      const row = await t.server.context.recordings.findById(id);
      expect(row?.hlsStatus).toBe('ready');
      expect(row?.storage).toBe('s3');
    },
    { timeout: 60_000, interval: 100 },
  );
  return id;
}

describe('STORAGE=s3, presigned redirects', () => {
  let t: TestServer;
  let launcher: FakeRecorderBotLauncher;
  let owner: TestUser;
  let admin: TestUser;
  let id: string;
  let prefix: string;

  beforeAll(async () => {
    launcher = new FakeRecorderBotLauncher(clip);
    t = await startTestServer(
      s3Env({ RECORDING_AUTO_DELETE: 'true', RECORDING_RETENTION_DAYS: '2' }),
      { botLauncher: launcher },
    );
    owner = await t.createUser('instructor');
    admin = await t.createUser('admin');
    id = await storedRecording(t, launcher, owner);
    const row = (await t.server.context.recordings.findById(id))!;
    prefix = `${row.roomId}/${id}/`;
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('uploads the WebM, thumbnail, metadata and HLS tree under {roomId}/{recordingId}/ and frees the disk', async () => {
    const keys = await keysUnder(prefix);
    for (const file of [
      'recording.webm',
      'thumbnail.jpg',
      'metadata.json',
      'hls/master.m3u8',
      'hls/source/index.m3u8',
      'hls/source/init.mp4',
      'hls/360p/index.m3u8',
    ]) {
      expect(keys).toContain(`${prefix}${file}`);
    }
    expect(keys.some((k) => /hls\/360p\/seg_\d+\.m4s$/.test(k))).toBe(true);
    const row = (await t.server.context.recordings.findById(id))!;
    await expect(stat(t.server.context.storage.dirOf(row))).rejects.toThrow();
    const webm = await client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}recording.webm` }),
    );
    expect(sha256(Buffer.from(await webm.Body!.transformToByteArray()))).toBe(row.sha256);
    const res = await callApi(t.url, `/recordings/${id}`, { token: owner.token });
    const json = recordingDetailSchema.parse(res.body);
    expect(json.storage).toBe('s3');
    expect(json.integrity).toBe('ok');
  });

  it('download answers 302 to a presigned URL that serves the file as an attachment', async () => {
    const res = await fetch(`${t.url}/api/v1/recordings/${id}/download`, {
      headers: { authorization: `Bearer ${owner.token}` },
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith(s3.endpoint)).toBe(true);
    expect(location).toContain('X-Amz-Signature=');
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="/);
    const row = (await t.server.context.recordings.findById(id))!;
    expect(sha256(Buffer.from(await file.arrayBuffer()))).toBe(row.sha256);
    // The presigned URL is tied to its object: another key with its signature is refused.
    const tampered = location.replace('recording.webm', 'metadata.json');
    expect((await fetch(tampered)).status).toBe(403);
  });

  it('streams: playlists come from the bucket through here, segments redirect to it', async () => {
    const master = await fetch(`${t.url}/api/v1/recordings/${id}/stream`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(master.status).toBe(200);
    const variant = (await master.text()).split('\n').find((l) => l.startsWith('hls/360p/'))!;
    const variantUrl = new URL(variant, `${t.url}/api/v1/recordings/${id}/stream`);
    const playlist = await fetch(variantUrl);
    expect(playlist.status).toBe(200);
    const segment = (await playlist.text()).split('\n').find((l) => l.startsWith('seg_'))!;
    const redirect = await fetch(new URL(segment, variantUrl), { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const bytes = await fetch(redirect.headers.get('location')!);
    expect(bytes.status).toBe(200);
    expect((await bytes.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const thumbnail = await fetch(`${t.url}/api/v1/recordings/${id}/thumbnail`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
  });

  it('an admin’s reprocess downloads the WebM from the bucket, checks it and uploads new renditions', async () => {
    const before = await keysUnder(`${prefix}hls/`);
    const res = await callApi(t.url, `/recordings/${id}/reprocess`, {
      method: 'POST',
      token: admin.token,
    });
    expect(res.status).toBe(202);
    await vi.waitFor(
      async () => {
        const row = await t.server.context.recordings.findById(id);
        expect(row?.hlsStatus).toBe('ready');
        expect(row?.hlsProgress).toBe(1);
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(await keysUnder(`${prefix}hls/`)).toEqual(before);
    const row = (await t.server.context.recordings.findById(id))!;
    await expect(stat(t.server.context.storage.dirOf(row))).rejects.toThrow();
    // What the recording says it stores is what the bucket holds for it.
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }),
    );
    const bytes = (listed.Contents ?? []).reduce((n, o) => n + (o.Size ?? 0), 0);
    expect(row.storedBytes).toBe(bytes);
  });

  it('a corrupted object is found by verify, audited, and no longer served', async () => {
    const ok = await callApi(t.url, `/recordings/${id}/verify`, {
      method: 'POST',
      token: admin.token,
    });
    expect(verifyResultSchema.parse(ok.body).integrity).toBe('ok');
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${prefix}recording.webm`,
        Body: Buffer.from('not the recording'),
      }),
    );
    const bad = await callApi(t.url, `/recordings/${id}/verify`, {
      method: 'POST',
      token: admin.token,
    });
    const outcome = verifyResultSchema.parse(bad.body);
    expect(outcome.integrity).toBe('corrupted');
    expect(outcome.recording.integrity).toBe('corrupted');
    const download = await callApi(t.url, `/recordings/${id}/download`, { token: owner.token });
    expect(download.status).toBe(409);
    const audit = await callApi(t.url, `/recordings/${id}/audit?limit=50`, { token: owner.token });
    expect(JSON.stringify(audit.body)).toContain('recording.corrupted');
  });

  it('retention, a scheduled job on the queue, deletes an expired recording’s objects and audits it', async () => {
    const old = await storedRecording(t, launcher, owner);
    const row = (await t.server.context.recordings.findById(old))!;
    const oldPrefix = `${row.roomId}/${old}/`;
    await t.server.context.database.db.execute(
      sql`update recordings set created_at = now() - interval '3 days' where id = ${old}`,
    );
    expect(await t.server.maintenance.runNow(RETENTION_QUEUE)).not.toBeNull();
    await vi.waitFor(
      async () =>
        expect(
          (await t.server.context.recordings.findById(old, { includeDeleted: true }))?.deletedAt,
        ).not.toBeNull(),
      { timeout: 60_000, interval: 200 },
    );
    // The row is marked first, its objects deleted right after.
    await vi.waitFor(async () => expect(await keysUnder(oldPrefix)).toEqual([]), {
      timeout: 30_000,
      interval: 200,
    });
    // Recent recordings are kept.
    expect((await keysUnder(prefix)).length).toBeGreaterThan(5);
    const audit = await callApi(t.url, `/audit?action=recording.expired`, { token: admin.token });
    expect(JSON.stringify(audit.body)).toContain(old);
  });

  it('delete removes every object of the recording', async () => {
    const other = await storedRecording(t, launcher, owner);
    const row = (await t.server.context.recordings.findById(other))!;
    const otherPrefix = `${row.roomId}/${other}/`;
    expect((await keysUnder(otherPrefix)).length).toBeGreaterThan(5);
    const res = await callApi(t.url, `/recordings/${other}`, {
      method: 'DELETE',
      token: owner.token,
    });
    expect(res.status).toBe(200);
    expect(await keysUnder(otherPrefix)).toEqual([]);
    // The first recording's objects are untouched.
    expect((await keysUnder(prefix)).length).toBeGreaterThan(5);
  });
});

describe('STORAGE=s3 with S3_PROXY', () => {
  let t: TestServer;
  let owner: TestUser;
  let id: string;

  beforeAll(async () => {
    const launcher = new FakeRecorderBotLauncher(clip);
    t = await startTestServer(s3Env({ S3_PROXY: 'true' }), { botLauncher: launcher });
    owner = await t.createUser('instructor');
    id = await storedRecording(t, launcher, owner);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('proxies downloads with Range from the bucket', async () => {
    const whole = await fetch(`${t.url}/api/v1/recordings/${id}/download`, {
      headers: { authorization: `Bearer ${owner.token}` },
      redirect: 'manual',
    });
    expect(whole.status).toBe(200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    const row = (await t.server.context.recordings.findById(id))!;
    expect(sha256(bytes)).toBe(row.sha256);
    const part = await fetch(`${t.url}/api/v1/recordings/${id}/download`, {
      headers: { authorization: `Bearer ${owner.token}`, range: 'bytes=100-1099' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);
    const tail = await fetch(`${t.url}/api/v1/recordings/${id}/download`, {
      headers: { authorization: `Bearer ${owner.token}`, range: `bytes=${bytes.length - 10}-` },
    });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10))).toBe(
      true,
    );
    const beyond = await fetch(`${t.url}/api/v1/recordings/${id}/download`, {
      headers: { authorization: `Bearer ${owner.token}`, range: `bytes=${bytes.length + 5}-` },
    });
    expect(beyond.status).toBe(416);
  });
});
