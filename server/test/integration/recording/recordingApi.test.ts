import { mkdtemp, rm, stat, readFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import type { ErrorBodyJson } from '#protocol/rest/common';
import type {
  RecordingDetailJson,
  RecordingJson,
  StoppedRecordingJson,
} from '#protocol/rest/recordings';
import type { RecorderBotJson } from '#protocol/rest/admin';

let server: TestServer;
let launcher: FakeRecorderBotLauncher;
let mediaDir: string;
let instructor: TestUser;
let otherInstructor: TestUser;
let admin: TestUser;
let student: TestUser;

/**
 * Every answer these tests read, as the REST contract types it (one
 * intersection, so each test reads the fields of the answer it asked for).
 */
type Body = ErrorBodyJson &
  RecordingDetailJson &
  StoppedRecordingJson & {
    items: Array<RecordingJson & RecorderBotJson>;
    total: number;
    limit: number;
    offset: number;
    success: boolean;
    deletedAt: string;
  };

async function api(
  path: string,
  {
    token,
    method = 'GET',
    body,
    headers = {},
  }: { token?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = (text ? JSON.parse(text) : {}) as Body;
  return { status: res.status, json, headers: res.headers };
}

async function startRecording(roomId: string, user = instructor) {
  await server.ensureRoom(user, roomId);
  const res = await api('/recordings/start', {
    token: user.token,
    method: 'POST',
    body: { roomId, title: `Lecture in ${roomId}` },
  });
  expect(res.status).toBe(201);
  return res.json.recordingId;
}

async function waitForStatus(id: string, status: string) {
  await vi.waitFor(
    async () => {
      const res = await api(`/recordings/${id}`, { token: admin.token });
      expect(res.json.status).toBe(status);
    },
    { timeout: 30_000, interval: 100 },
  );
}

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'recording-media-'));
  const file = join(mediaDir, 'clip.webm');
  await makeTestWebm(file, 3);
  launcher = new FakeRecorderBotLauncher(file);
  server = await startTestServer({}, { botLauncher: launcher });
  [instructor, otherInstructor, admin, student] = await Promise.all([
    server.createUser('instructor'),
    server.createUser('instructor'),
    server.createUser('admin'),
    server.createUser('student'),
  ]);
});

afterAll(async () => {
  await server?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

describe('recording API', () => {
  it('start by a student answers 403 and creates nothing', async () => {
    await server.ensureRoom(instructor, 'r-student');
    const res = await api('/recordings/start', {
      token: student.token,
      method: 'POST',
      body: { roomId: 'r-student', title: 'x' },
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
    const list = await api('/recordings?roomId=r-student', { token: admin.token });
    expect(list.json.total).toBe(0);
  });

  it('start without a token answers 401; with a bad body 400', async () => {
    expect(
      (await api('/recordings/start', { method: 'POST', body: { roomId: 'a', title: 't' } }))
        .status,
    ).toBe(401);
    const bad = await api('/recordings/start', {
      token: instructor.token,
      method: 'POST',
      body: { roomId: 'a b', title: '' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('bad_request');
  });

  it('a double start answers 409 and launches one bot', async () => {
    await server.ensureRoom(instructor, 'r-double');
    const [a, b] = await Promise.all([
      api('/recordings/start', {
        token: instructor.token,
        method: 'POST',
        body: { roomId: 'r-double', title: 'one' },
      }),
      api('/recordings/start', {
        token: instructor.token,
        method: 'POST',
        body: { roomId: 'r-double', title: 'two' },
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const id = (a.status === 201 ? a.json : b.json).recordingId;
    await (await launcher.botFor(id)).upload(1);
    expect([...launcher.bots.values()].filter((bot) => bot.job.roomId === 'r-double')).toHaveLength(
      1,
    );
    await api(`/recordings/${id}/stop`, { token: instructor.token, method: 'POST' });
    await waitForStatus(id, 'ready');
  });

  it('records, stops and finalizes: pending → recording → stopped → ready, with probe facts and a download', async () => {
    const id = await startRecording('r-full');
    const first = await api(`/recordings/${id}`, { token: instructor.token });
    expect(first.json.status).toBe('pending');

    const bot = await launcher.botFor(id);
    await bot.upload(2);
    await waitForStatus(id, 'recording');

    // Another instructor may not stop it (it is not theirs to see: 404); the recording keeps running.
    const forbidden = await api(`/recordings/${id}/stop`, {
      token: otherInstructor.token,
      method: 'POST',
    });
    expect(forbidden.status).toBe(404);
    expect((await api(`/recordings/${id}`, { token: admin.token })).json.status).toBe('recording');

    const stopped = await api(`/recordings/${id}/stop`, { token: admin.token, method: 'POST' });
    expect(stopped.status).toBe(200);
    expect(stopped.json.recordingId).toBe(id);
    expect(['stopped', 'processing', 'ready']).toContain(stopped.json.status);
    expect(stopped.json.stoppedAt).toBeTruthy();

    // Stopping again answers the current state, not an error.
    const again = await api(`/recordings/${id}/stop`, { token: instructor.token, method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.json.recordingId).toBe(id);

    await waitForStatus(id, 'ready');
    const row = (await api(`/recordings/${id}`, { token: instructor.token })).json;
    expect(row.videoCodec).toBe('vp8');
    expect(row.audioCodec).toBe('opus');
    expect(row.resolutionWidth).toBe(320);
    expect(row.resolutionHeight).toBe(240);
    expect(row.durationMs).toBeGreaterThan(2500);
    expect(row.durationMs).toBeLessThan(3500);
    expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Array.isArray(row.participants)).toBe(true);

    const dir = join(server.server.context.config.recording.storageDir, 'r-full', id);
    const file = join(dir, 'recording.webm');
    const st = await stat(file);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(row.fileSize);
    expect(
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    ).toBe(row.sha256);
    await expect(stat(join(dir, 'thumbnail.jpg'))).resolves.toBeTruthy();
    const metadata = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as {
      recordingId: string;
    };
    expect(metadata.recordingId).toBe(id);

    const download = await fetch(`${server.url}/api/v1/recordings/${id}/download`, {
      headers: { authorization: `Bearer ${instructor.token}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('etag')).toBe(`"${row.sha256}"`);
    expect(download.headers.get('accept-ranges')).toBe('bytes');
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="?Lecture_in_r-full-[0-9a-f]{8}\.webm"?$/,
    );
    expect((await download.arrayBuffer()).byteLength).toBe(row.fileSize);

    const range = await fetch(`${server.url}/api/v1/recordings/${id}/download`, {
      headers: { authorization: `Bearer ${instructor.token}`, range: 'bytes=0-99' },
    });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 0-99/${row.fileSize}`);
    expect((await range.arrayBuffer()).byteLength).toBe(100);

    const notModified = await fetch(`${server.url}/api/v1/recordings/${id}/download`, {
      headers: { authorization: `Bearer ${instructor.token}`, 'if-none-match': `"${row.sha256}"` },
    });
    expect(notModified.status).toBe(304);

    // A student with no share: exactly as if the recording did not exist.
    expect((await api(`/recordings/${id}/download`, { token: student.token })).status).toBe(404);
  });

  it('a slice with a user token, a forged token or another recording’s token is refused and nothing is written', async () => {
    const id = await startRecording('r-slices');
    const other = await startRecording('r-slices-other');
    const bot = await launcher.botFor(id);
    const otherBot = await launcher.botFor(other);
    await bot.upload(1);
    const file = join(
      server.server.context.config.recording.storageDir,
      'r-slices',
      id,
      'recording.webm',
    );
    const sizeBefore = (await stat(file)).size;
    const put = (token: string, seq: number, body = new Uint8Array([1, 2, 3])) =>
      fetch(`${server.url}/api/v1/recordings/${id}/slices/${seq}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body,
      });
    expect((await put(instructor.token, 1)).status).toBe(403);
    expect((await put(`${bot.token.slice(0, -4)}abcd`, 1)).status).toBe(401);
    expect((await put('not-a-jwt', 1)).status).toBe(401);
    expect((await put(otherBot.token, 1)).status).toBe(403);
    expect(
      (
        await fetch(`${server.url}/api/v1/recordings/${id}/slices/1`, {
          method: 'PUT',
          body: new Uint8Array([1]),
        })
      ).status,
    ).toBe(401);
    // Out of order (a gap) and a different body for a stored number: 409.
    expect((await put(bot.token, 5)).status).toBe(409);
    expect((await put(bot.token, 0)).status).toBe(409);
    // Bad sequence numbers: 400.
    expect((await put(bot.token, -1)).status).toBe(400);
    expect(
      (
        await fetch(`${server.url}/api/v1/recordings/${id}/slices/abc`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${bot.token}` },
          body: new Uint8Array([1]),
        })
      ).status,
    ).toBe(400);
    expect((await stat(file)).size).toBe(sizeBefore);

    await api(`/recordings/${id}/stop`, { token: instructor.token, method: 'POST' });
    await api(`/recordings/${other}/stop`, { token: instructor.token, method: 'POST' });
    // After stop the token no longer writes.
    expect((await put(bot.token, 99)).status).toBe(409);
  });

  it('a recording stopped before any media arrived ends failed with a reason', async () => {
    const id = await startRecording('r-empty');
    const stopped = await api(`/recordings/${id}/stop`, {
      token: instructor.token,
      method: 'POST',
    });
    expect(stopped.json.status).toBe('failed');
    const row = (await api(`/recordings/${id}`, { token: instructor.token })).json;
    expect(row.error).toMatch(/before any media/);
  });

  it('lists with filters and pagination; bad ids answer 400, unknown 404', async () => {
    const list = await api('/recordings?limit=2&offset=0', { token: instructor.token });
    expect(list.status).toBe(200);
    expect(list.json.items.length).toBeLessThanOrEqual(2);
    expect(list.json.total).toBeGreaterThanOrEqual(3);
    expect(list.json).toMatchObject({ limit: 2, offset: 0 });
    const ready = await api('/recordings?status=ready&roomId=r-full', { token: instructor.token });
    expect(ready.json.items.map((i: { roomId: string }) => i.roomId)).toEqual(['r-full']);
    expect((await api('/recordings?limit=1000', { token: instructor.token })).status).toBe(400);
    expect((await api('/recordings?status=bogus', { token: instructor.token })).status).toBe(400);
    // A student lists only what was shared with them: nothing here.
    const studentList = await api('/recordings', { token: student.token });
    expect(studentList.status).toBe(200);
    expect(studentList.json.total).toBe(0);
    expect((await api('/recordings/not-a-uuid', { token: instructor.token })).status).toBe(400);
    expect(
      (await api('/recordings/00000000-0000-4000-8000-000000000000', { token: instructor.token }))
        .status,
    ).toBe(404);
  });

  it('delete: students and other instructors 404, owner soft-deletes and the files are removed', async () => {
    const id = await startRecording('r-delete');
    await (await launcher.botFor(id)).upload(2);
    await api(`/recordings/${id}/stop`, { token: instructor.token, method: 'POST' });
    await waitForStatus(id, 'ready');
    expect(
      (await api(`/recordings/${id}`, { token: student.token, method: 'DELETE' })).status,
    ).toBe(404);
    expect(
      (await api(`/recordings/${id}`, { token: otherInstructor.token, method: 'DELETE' })).status,
    ).toBe(404);
    const del = await api(`/recordings/${id}`, { token: instructor.token, method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.json.success).toBe(true);
    expect(del.json.deletedAt).toBeTruthy();
    expect((await api(`/recordings/${id}`, { token: admin.token })).status).toBe(404);
    await expect(
      stat(join(server.server.context.config.recording.storageDir, 'r-delete', id)),
    ).rejects.toThrow();
  });

  it('admin debug API lists running bots; others get 403', async () => {
    const id = await startRecording('r-admin');
    await (await launcher.botFor(id)).upload(1);
    // Listed from the embedded worker's heartbeat row, with what this node knows added.
    await vi.waitFor(
      async () => {
        const res = await api('/admin/recorders', { token: admin.token });
        expect(res.status).toBe(200);
        const item = res.json.items.find((i: { recordingId: string }) => i.recordingId === id);
        expect(item).toMatchObject({
          roomId: 'r-admin',
          slicesReceived: 1,
          workerId: expect.stringMatching(/^embedded@/) as unknown,
          workerHost: hostname(),
          nodeId: expect.any(String) as unknown,
        });
        expect(item?.consoleLines).toEqual(['[info] fake bot']);
      },
      { timeout: 5_000, interval: 100 },
    );
    const preview = await fetch(`${server.url}/api/v1/admin/recorders/${id}/preview.jpg`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/jpeg');
    expect((await api('/admin/recorders', { token: instructor.token })).status).toBe(403);
    await api(`/recordings/${id}/stop`, { token: instructor.token, method: 'POST' });
  });

  it('several rooms record at once', async () => {
    const ids = await Promise.all(
      ['r-multi-1', 'r-multi-2', 'r-multi-3'].map((room) => startRecording(room)),
    );
    await Promise.all(ids.map(async (id) => (await launcher.botFor(id)).upload(2)));
    await Promise.all(ids.map((id) => waitForStatus(id, 'recording')));
    await Promise.all(
      ids.map((id) => api(`/recordings/${id}/stop`, { token: instructor.token, method: 'POST' })),
    );
    await Promise.all(ids.map((id) => waitForStatus(id, 'ready')));
  });

  it('retention deletes finished recordings older than the retention period, and only those', async () => {
    const id = await startRecording('r-retention');
    await (await launcher.botFor(id)).upload(2);
    await api(`/recordings/${id}/stop`, { token: instructor.token, method: 'POST' });
    await waitForStatus(id, 'ready');
    const active = await startRecording('r-retention-active');
    const service = server.server.recording;
    expect(await service.expireOlderThan(30)).toBe(0);
    const later = new Date(Date.now() + 31 * 86_400_000);
    expect(await service.expireOlderThan(30, later)).toBeGreaterThanOrEqual(1);
    expect((await api(`/recordings/${id}`, { token: admin.token })).status).toBe(404);
    await expect(
      stat(join(server.server.context.config.recording.storageDir, 'r-retention', id)),
    ).rejects.toThrow();
    // A recording still running is never expired.
    expect((await api(`/recordings/${active}`, { token: admin.token })).json.status).toBe(
      'pending',
    );
    await api(`/recordings/${active}/stop`, { token: instructor.token, method: 'POST' });
  });
});
