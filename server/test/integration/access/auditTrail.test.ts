/**
 * The audit trail: one row per audited action with the right actor, IP and
 * user agent; one row per download however many Range requests it takes;
 * rows nobody can change or delete.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditPageSchema, type AuditEntryJson } from '#protocol/rest/audit';
import { playbackSchema, shareSchema, startedRecordingSchema } from '#protocol/rest/recordings';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';

let t: TestServer;
let mediaDir: string;
let launcher: FakeRecorderBotLauncher;
let owner: TestUser;
let student: TestUser;
let admin: TestUser;
let roomId: string;
let recordingId: string;
const agent = 'audit-test-agent/1.0';

const api = (
  path: string,
  token: string | undefined,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) => callApi(t.url, path, { token, ...init, headers: { 'user-agent': agent, ...init.headers } });

async function rows(filter: Record<string, string>): Promise<AuditEntryJson[]> {
  const query = new URLSearchParams({ limit: '100', ...filter });
  const res = await api(`/audit?${query.toString()}`, admin.token);
  expect(res.status).toBe(200);
  return auditPageSchema.parse(res.body).items;
}

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'audit-'));
  const clip = join(mediaDir, 'clip.webm');
  await makeTestWebm(clip, 3);
  launcher = new FakeRecorderBotLauncher(clip);
  t = await startTestServer({}, { botLauncher: launcher });
  owner = await t.createUser('instructor', 'Olive Owner');
  student = await t.createUser('student', 'Stu Dent');
  admin = await t.createUser('admin', 'Ada Admin');
});

afterAll(async () => {
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

describe('audit trail', () => {
  it('records room creation and member changes with the actor', async () => {
    roomId = `audit-room-${Date.now().toString(36)}`;
    expect(
      (await api('/rooms', owner.token, { method: 'POST', body: { roomId, title: 'Audit class' } }))
        .status,
    ).toBe(201);
    expect(
      (
        await api(`/rooms/${roomId}/members`, owner.token, {
          method: 'POST',
          body: { email: student.email },
        })
      ).status,
    ).toBe(201);
    expect(
      (await api(`/rooms/${roomId}/members/${student.id}`, owner.token, { method: 'DELETE' }))
        .status,
    ).toBe(200);
    expect(
      (
        await api(`/rooms/${roomId}/members`, owner.token, {
          method: 'POST',
          body: { email: student.email },
        })
      ).status,
    ).toBe(201);
    const mine = await rows({ actorId: owner.id });
    const actions = mine.map((r) => r.action);
    expect(actions.filter((a) => a === 'room.create')).toHaveLength(1);
    expect(actions.filter((a) => a === 'room.member_added')).toHaveLength(2);
    expect(actions.filter((a) => a === 'room.member_removed')).toHaveLength(1);
    const removed = mine.find((r) => r.action === 'room.member_removed')!;
    expect(removed).toMatchObject({
      actorId: owner.id,
      actor: { id: owner.id, email: owner.email, fullName: 'Olive Owner' },
      ip: '127.0.0.1',
      userAgent: agent,
      details: { roomId, userId: student.id },
    });
  });

  it('records start, stop, view, playback, share, edit, unshare and delete of a recording, each with its actor', async () => {
    const start = await api('/recordings/start', owner.token, {
      method: 'POST',
      body: { roomId, title: 'Audited' },
    });
    expect(start.status).toBe(201);
    recordingId = startedRecordingSchema.parse(start.body).recordingId;
    await (await launcher.botFor(recordingId)).upload(2);
    expect(
      (await api(`/recordings/${recordingId}/stop`, owner.token, { method: 'POST' })).status,
    ).toBe(200);
    await vi.waitFor(
      async () =>
        expect((await t.server.context.recordings.findById(recordingId))?.status).toBe('ready'),
      { timeout: 30_000, interval: 100 },
    );
    const shared = await api(`/recordings/${recordingId}/shares`, owner.token, {
      method: 'POST',
      body: { role: 'student', permission: 'download' },
    });
    expect(shared.status).toBe(201);
    expect((await api(`/recordings/${recordingId}`, student.token)).status).toBe(200);
    expect(
      (await api(`/recordings/${recordingId}/playback`, student.token, { method: 'POST' })).status,
    ).toBe(200);
    expect(
      (
        await api(`/recordings/${recordingId}`, owner.token, {
          method: 'PATCH',
          body: { title: 'Audited, renamed' },
        })
      ).status,
    ).toBe(200);

    const trail = await rows({ recordingId });
    const by = (action: string) => trail.filter((r) => r.action === action);
    expect(by('recording.start').map((r) => r.actorId)).toEqual([owner.id]);
    expect(by('recording.stop').map((r) => r.actorId)).toEqual([owner.id]);
    expect(by('recording.share')).toMatchObject([
      { actorId: owner.id, details: { role: 'student', permission: 'download' } },
    ]);
    expect(by('recording.view').map((r) => r.actorId)).toEqual([student.id]);
    expect(by('recording.playback').map((r) => r.actorId)).toEqual([student.id]);
    expect(by('recording.edit')).toMatchObject([
      { actorId: owner.id, details: { title: 'Audited, renamed' } },
    ]);
    for (const row of trail) expect(row.userAgent).toBe(agent);

    // The owner reads the same rows through the recording's own audit endpoint.
    const own = await api(`/recordings/${recordingId}/audit?limit=100`, owner.token);
    expect(auditPageSchema.parse(own.body).total).toBe(trail.length);

    const { shareId } = shareSchema.parse(shared.body);
    expect(
      (await api(`/recordings/${recordingId}/shares/${shareId}`, owner.token, { method: 'DELETE' }))
        .status,
    ).toBe(200);
    expect(
      (await rows({ recordingId, action: 'recording.unshare' })).map((r) => r.actorId),
    ).toEqual([owner.id]);
  });

  it('writes one download row however many Range requests the download takes', async () => {
    const before = (await rows({ recordingId, action: 'recording.download' })).length;
    const headers = (range?: string) => ({
      authorization: `Bearer ${owner.token}`,
      'user-agent': agent,
      ...(range ? { range } : {}),
    });
    const url = `${t.url}/api/v1/recordings/${recordingId}/download`;
    const first = await fetch(url, { headers: headers('bytes=0-999') });
    expect(first.status).toBe(206);
    await first.arrayBuffer();
    for (const range of ['bytes=1000-1999', 'bytes=2000-', 'bytes=500-600']) {
      const res = await fetch(url, { headers: headers(range) });
      expect(res.status).toBe(206);
      await res.arrayBuffer();
    }
    expect((await rows({ recordingId, action: 'recording.download' })).length).toBe(before + 1);
    // A second whole download is a second download.
    const whole = await fetch(url, { headers: headers() });
    expect(whole.status).toBe(200);
    await whole.arrayBuffer();
    expect((await rows({ recordingId, action: 'recording.download' })).length).toBe(before + 2);
  });

  it('playback through the media URL seeks with Range and writes no row per request', async () => {
    const playback = playbackSchema.parse(
      (await api(`/recordings/${recordingId}/playback`, owner.token, { method: 'POST' })).body,
    );
    const playbacks = (await rows({ recordingId, action: 'recording.playback' })).length;
    for (const range of ['bytes=0-', 'bytes=4000-']) {
      const res = await fetch(`${t.url}${playback.url}`, { headers: { range } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-type')).toBe('video/webm');
      await res.arrayBuffer();
    }
    expect((await rows({ recordingId, action: 'recording.playback' })).length).toBe(playbacks);
    // The media URL opens this recording only, and only untampered.
    const tampered = playback.url.replace(
      /token=([^&]+)/,
      (_m, tok: string) => `token=${tok.slice(0, -2)}xx`,
    );
    expect((await fetch(`${t.url}${tampered}`)).status).toBe(403);
  });

  it('records sign-in, failed sign-in and sign-out, and filters by action and time', async () => {
    const login = await callApi(t.url, '/auth/login', {
      method: 'POST',
      body: { email: student.email, password: student.password },
    });
    expect(login.status).toBe(200);
    const failed = await callApi(t.url, '/auth/login', {
      method: 'POST',
      body: { email: student.email, password: 'wrong password' },
    });
    expect(failed.status).toBe(401);
    const { token } = login.body as { token: string };
    expect((await callApi(t.url, '/auth/logout', { method: 'POST', token })).status).toBe(200);
    const mine = await rows({ actorId: student.id });
    expect(mine.filter((r) => r.action === 'user.login')).toHaveLength(1);
    expect(mine.filter((r) => r.action === 'user.login_failed')).toHaveLength(1);
    expect(mine.filter((r) => r.action === 'user.logout')).toHaveLength(1);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await rows({ actorId: student.id, from: future })).toEqual([]);
  });

  it('records deletion of a recording; afterwards it is gone for everyone', async () => {
    expect(
      (await api(`/recordings/${recordingId}`, owner.token, { method: 'DELETE' })).status,
    ).toBe(200);
    expect((await rows({ recordingId, action: 'recording.delete' })).map((r) => r.actorId)).toEqual(
      [owner.id],
    );
    expect((await api(`/recordings/${recordingId}`, owner.token)).status).toBe(404);
    expect((await api(`/recordings/${recordingId}`, admin.token)).status).toBe(404);
  });

  it('is append-only: the database refuses to change or delete a row', async () => {
    const db = t.server.context.database.db;
    // drizzle wraps the database's error; the trigger's message is in its cause.
    const refusal = (query: Promise<unknown>) =>
      query.then(
        () => 'accepted',
        (error: Error & { cause?: Error }) => error.cause?.message ?? error.message,
      );
    expect(await refusal(db.execute(sql`update audit_log set action = 'forged'`))).toMatch(
      /append-only/,
    );
    expect(await refusal(db.execute(sql`delete from audit_log`))).toMatch(/append-only/);
    expect(await refusal(db.execute(sql`truncate audit_log`))).toMatch(/append-only/);
    expect((await rows({})).length).toBeGreaterThan(0);
  });
});
