/**
 * Finished files at rest on the local disk: sealed with AES-256-GCM when a
 * key is set (and served decrypted, with Range), checked against their
 * SHA-256 by an admin's verify and by the scheduled scrub (a mismatch is
 * marked, audited and not served), and guarded by disk space and quotas
 * (507 on start; a running recording stops cleanly when the disk runs low).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  recordingDetailSchema,
  startedRecordingSchema,
  verifyResultSchema,
} from '#protocol/rest/recordings';
import { storageReportSchema } from '#protocol/rest/admin';
import { SCRUB_QUEUE } from '#server/jobs/MaintenanceJobs';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { recordReady, statusBecomes } from '../../helpers/recordings';

let dir: string;
let clip: string;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'at-rest-'));
  clip = join(dir, 'clip.webm');
  await makeTestWebm(clip, 6, { size: '640x480', codec: 'vp9' });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Flips one byte of a file in place, `at` bytes in. */
async function flipByte(path: string, at: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, at);
  } finally {
    await file.close();
  }
}

async function download(t: TestServer, id: string, token: string, range?: string) {
  return fetch(`${t.url}/api/v1/recordings/${id}/download`, {
    headers: { authorization: `Bearer ${token}`, ...(range ? { range } : {}) },
  });
}

describe('encryption at rest (RECORDING_ENCRYPTION_KEY)', () => {
  let t: TestServer;
  let owner: TestUser;
  let admin: TestUser;
  let id: string;

  beforeAll(async () => {
    const launcher = new FakeRecorderBotLauncher(clip);
    t = await startTestServer(
      { HLS_ENABLED: 'true', RECORDING_ENCRYPTION_KEY: randomBytes(32).toString('base64') },
      { botLauncher: launcher },
    );
    [owner, admin] = [await t.createUser('instructor'), await t.createUser('admin')];
    id = await recordReady(t, launcher, owner, { roomId: await t.createRoom(owner), title: 'e' });
    await vi.waitFor(
      async () => expect((await t.server.context.recordings.findById(id))?.hlsStatus).toBe('ready'),
      { timeout: 60_000, interval: 100 },
    );
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('stores every finished file sealed and serves the plaintext, whole and by range', async () => {
    const row = (await t.server.context.recordings.findById(id))!;
    const storage = t.server.context.storage;
    for (const file of await storage.listLocal(row)) {
      const head = (await readFile(storage.localPath(row, file))).subarray(0, 5);
      expect(head.toString('latin1'), file).toBe('CRENC');
    }
    const whole = await download(t, id, owner.token);
    expect(whole.status).toBe(200);
    const plain = Buffer.from(await whole.arrayBuffer());
    expect(sha256(plain)).toBe(row.sha256);
    expect(plain.length).toBe(row.fileSize);
    // Ranges across the 64 KiB chunk boundaries of the sealed file.
    for (const [start, end] of [
      [0, 0],
      [65_535, 65_536],
      [70_000, 140_000],
      [plain.length - 1, plain.length - 1],
    ] as const) {
      const part = await download(t, id, owner.token, `bytes=${start}-${end}`);
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(plain.subarray(start, end + 1))).toBe(
        true,
      );
    }
    // The HLS tree is sealed too, and streams decrypted.
    const master = await fetch(`${t.url}/api/v1/recordings/${id}/stream`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(await master.text()).toContain('#EXT-X-STREAM-INF');
  });

  it('a tampered sealed chunk is found by verify, audited, and the file is no longer served', async () => {
    const row = (await t.server.context.recordings.findById(id))!;
    await flipByte(t.server.context.storage.localPath(row, 'recording.webm'), 100_000);
    const res = await callApi(t.url, `/recordings/${id}/verify`, {
      method: 'POST',
      token: admin.token,
    });
    expect(res.status).toBe(200);
    expect(verifyResultSchema.parse(res.body).integrity).toBe('corrupted');
    expect((await download(t, id, owner.token)).status).toBe(409);
    const audit = await callApi(t.url, `/audit?action=recording.corrupted`, {
      token: admin.token,
    });
    expect(JSON.stringify(audit.body)).toContain(id);
  });
});

describe('integrity, disk space and quotas on the local disk', () => {
  let t: TestServer;
  let launcher: FakeRecorderBotLauncher;
  let owner: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    launcher = new FakeRecorderBotLauncher(clip);
    t = await startTestServer({}, { botLauncher: launcher });
    [owner, admin] = [await t.createUser('instructor'), await t.createUser('admin')];
  });

  afterEach(() => {
    // Tests that lower the floor or set a quota put them back.
    t.server.context.config.storage.minFreeBytes = 64 * 1024 * 1024;
    t.server.context.config.storage.quotaBytes = 0;
  });

  afterAll(async () => {
    await t?.close();
  });

  const start = (roomId: string) =>
    callApi(t.url, '/recordings/start', {
      method: 'POST',
      token: owner.token,
      body: { roomId, title: 'disk' },
    });

  it('an admin’s verify says ok for an intact file, and corrupted (audited, not served) after a byte changed', async () => {
    const id = await recordReady(t, launcher, owner, { roomId: await t.createRoom(owner) });
    const ok = await callApi(t.url, `/recordings/${id}/verify`, {
      method: 'POST',
      token: admin.token,
    });
    expect(verifyResultSchema.parse(ok.body)).toMatchObject({ integrity: 'ok', reason: null });
    const denied = await callApi(t.url, `/recordings/${id}/verify`, {
      method: 'POST',
      token: owner.token,
    });
    expect(denied.status).toBe(403);
    const row = (await t.server.context.recordings.findById(id))!;
    await flipByte(row.filePath!, 5000);
    const bad = verifyResultSchema.parse(
      (await callApi(t.url, `/recordings/${id}/verify`, { method: 'POST', token: admin.token }))
        .body,
    );
    expect(bad.integrity).toBe('corrupted');
    expect(bad.reason).toMatch(/SHA-256/);
    expect((await download(t, id, owner.token)).status).toBe(409);
    const json = recordingDetailSchema.parse(
      (await callApi(t.url, `/recordings/${id}`, { token: owner.token })).body,
    );
    expect(json.integrity).toBe('corrupted');
  });

  it('the scheduled scrub, run through the queue, finds a file that changed on disk', async () => {
    const id = await recordReady(t, launcher, owner, { roomId: await t.createRoom(owner) });
    const row = (await t.server.context.recordings.findById(id))!;
    await flipByte(row.filePath!, 3000);
    expect(await t.server.maintenance.runNow(SCRUB_QUEUE)).not.toBeNull();
    await vi.waitFor(
      async () =>
        expect((await t.server.context.recordings.findById(id))?.integrity).toBe('corrupted'),
      { timeout: 60_000, interval: 200 },
    );
    const audit = await callApi(t.url, `/recordings/${id}/audit`, { token: owner.token });
    expect(JSON.stringify(audit.body)).toContain('recording.corrupted');
  });

  it('a start with less free disk than RECORDING_MIN_FREE_MB answers 507 saying so', async () => {
    t.server.context.config.storage.minFreeBytes = Number.MAX_SAFE_INTEGER;
    const res = await start(await t.createRoom(owner));
    expect(res.status).toBe(507);
    expect(JSON.stringify(res.body)).toMatch(/not enough disk space.*RECORDING_MIN_FREE_MB/);
  });

  it('a running recording stops cleanly when the disk falls below half the floor, keeping what it has', async () => {
    const res = await start(await t.createRoom(owner));
    expect(res.status).toBe(201);
    const { recordingId } = startedRecordingSchema.parse(res.body);
    await (await launcher.botFor(recordingId)).upload(20);
    await statusBecomes(t, recordingId, 'recording');
    // Free space is what it is: the floor moves above it instead.
    t.server.context.config.storage.minFreeBytes = Number.MAX_SAFE_INTEGER;
    await statusBecomes(t, recordingId, 'ready');
    const row = (await t.server.context.recordings.findById(recordingId))!;
    expect(row.error).toMatch(/^recording cut short: the recordings disk is nearly full/);
    expect(row.fileSize).toBeGreaterThan(0);
    expect(row.durationMs).toBeGreaterThan(0);
  });

  it('an owner over STORAGE_QUOTA_MB gets 507 on start; the storage report adds it up', async () => {
    const used = await t.server.context.recordings.bytesOwnedBy(owner.id);
    expect(used).toBeGreaterThan(0);
    t.server.context.config.storage.quotaBytes = used;
    const res = await start(await t.createRoom(owner));
    expect(res.status).toBe(507);
    expect(JSON.stringify(res.body)).toMatch(/quota/);
    const other = await t.createUser('instructor');
    const allowed = await callApi(t.url, '/recordings/start', {
      method: 'POST',
      token: other.token,
      body: { roomId: await t.createRoom(other), title: 'under quota' },
    });
    expect(allowed.status).toBe(201);
    const { recordingId } = startedRecordingSchema.parse(allowed.body);
    await callApi(t.url, `/recordings/${recordingId}/stop`, {
      method: 'POST',
      token: other.token,
    });

    const report = await callApi(t.url, '/admin/storage', { token: admin.token });
    expect(report.status).toBe(200);
    const body = storageReportSchema.parse(report.body);
    expect(body.backend).toBe('local');
    expect(body.disk.freeBytes).toBeGreaterThan(0);
    expect(body.byOwner.find((o) => o.userId === owner.id)?.bytes).toBe(used);
    expect(body.total.bytes).toBeGreaterThanOrEqual(used);
    expect(body.largest.length).toBeGreaterThan(0);
    expect((await callApi(t.url, '/admin/storage', { token: owner.token })).status).toBe(403);
  });
});
