/**
 * The API contract: `/api/openapi.json` is a valid OpenAPI 3.1 document
 * that lists every operation; every operation that needs a token answers
 * 401 without one; and every operation, called for real, answers one of its
 * documented statuses with a body its documented schema accepts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { operations, type Operation } from '#protocol/rest/operations';
import { errorBodySchema } from '#protocol/rest/common';
import { playbackSchema, shareSchema, startedRecordingSchema } from '#protocol/rest/recordings';
import { sessionSchema } from '#protocol/rest/users';
import { syntheticParticipantSchema } from '#protocol/rest/admin';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import {
  FakeRecorderBotLauncher,
  type FakeRecorderBot,
} from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { recordReady } from '../../helpers/recordings';

let t: TestServer;
let mediaDir: string;
let launcher: FakeRecorderBotLauncher;
let admin: TestUser;
let owner: TestUser;
let student: TestUser;
let roomId: string;
let ready: string;
let live: string;
let liveBot: FakeRecorderBot;

interface Sample {
  path?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  raw?: Buffer;
  token?: string;
}

/** How to call each operation for real; a new operation without a sample fails the test. */
const samples: Record<string, () => Sample | Promise<Sample>> = {
  health: () => ({}),
  register: () => ({
    body: {
      email: `reg-${Date.now()}@test.example`,
      password: 'long enough password',
      fullName: 'R',
    },
  }),
  login: () => ({ body: { email: student.email, password: student.password } }),
  logout: async () => {
    const login = await fetch(`${t.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: student.email, password: student.password }),
    });
    return { token: sessionSchema.parse(await login.json()).token };
  },
  me: () => ({ token: student.token }),
  listUsers: () => ({ token: admin.token, query: { q: 'test.example' } }),
  createUser: () => ({
    token: admin.token,
    body: {
      email: `new-${Date.now()}@test.example`,
      password: 'long enough password',
      fullName: 'N',
      role: 'student',
    },
  }),
  updateUser: async () => ({
    token: admin.token,
    path: { id: (await t.createUser('student')).id },
    body: { role: 'instructor' },
  }),
  deleteUser: async () => ({
    token: admin.token,
    path: { id: (await t.createUser('student')).id },
  }),
  createRoom: () => ({
    token: owner.token,
    body: { roomId: `made-${Date.now()}`, title: 'New' },
  }),
  listRooms: () => ({ token: student.token }),
  getRoom: () => ({ token: owner.token, path: { roomId } }),
  connectRoom: () => ({ token: student.token, path: { roomId } }),
  updateRoom: () => ({ token: owner.token, path: { roomId }, body: { title: 'Renamed' } }),
  addRoomMember: async () => ({
    token: owner.token,
    path: { roomId },
    body: { email: (await t.createUser('student')).email },
  }),
  removeRoomMember: () => ({ token: owner.token, path: { roomId, userId: student.id } }),
  startRecording: async () => ({
    token: owner.token,
    body: { roomId: await t.createRoom(owner), title: 'Started by the contract test' },
  }),
  stopRecording: () => ({ token: owner.token, path: { id: ready } }),
  // A recording in progress (its session exists from the start answer on).
  changeRecordingLayout: async () => {
    const res = await fetch(`${t.url}/api/v1/recordings/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roomId: await t.createRoom(owner), title: 'Layout sample' }),
    });
    const { recordingId } = startedRecordingSchema.parse(await res.json());
    return { token: owner.token, path: { id: recordingId }, body: { layout: 'speaker' } };
  },
  listRecordings: () => ({ token: owner.token, query: { q: 'Lecture', limit: '5' } }),
  getRecording: () => ({ token: owner.token, path: { id: ready } }),
  updateRecording: () => ({
    token: owner.token,
    path: { id: ready },
    body: { description: 'd' },
  }),
  deleteRecording: async () => ({ token: owner.token, path: { id: await readyRecording() } }),
  downloadRecording: () => ({ token: owner.token, path: { id: ready } }),
  createPlayback: () => ({ token: owner.token, path: { id: ready } }),
  playRecording: async () => {
    const res = await fetch(`${t.url}/api/v1/recordings/${ready}/playback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}` },
    });
    const { url } = playbackSchema.parse(await res.json());
    return {
      path: { id: ready },
      query: { token: new URL(url, t.url).searchParams.get('token')! },
    };
  },
  streamRecording: () => ({ token: owner.token, path: { id: ready } }),
  getHlsFile: async () => {
    const master = await fetch(`${t.url}/api/v1/recordings/${ready}/stream`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    const variant = (await master.text()).split('\n').find((l) => l.startsWith('hls/'))!;
    const url = new URL(variant, `${t.url}/api/v1/recordings/${ready}/stream`);
    // /api/v1/recordings/{id}/hls/{rendition}/index.m3u8
    const rendition = url.pathname.split('/').at(-2);
    return {
      path: { id: ready, rendition: rendition!, file: 'init.mp4' },
      query: Object.fromEntries(url.searchParams),
    };
  },
  verifyRecording: () => ({ token: admin.token, path: { id: ready } }),
  reprocessRecording: () => ({ token: admin.token, path: { id: ready } }),
  storageReport: () => ({ token: admin.token }),
  getThumbnail: () => ({ token: owner.token, path: { id: ready } }),
  listShares: () => ({ token: owner.token, path: { id: ready } }),
  createShare: () => ({
    token: owner.token,
    path: { id: ready },
    body: { role: 'student', permission: 'view' },
  }),
  deleteShare: async () => {
    const res = await fetch(`${t.url}/api/v1/recordings/${ready}/shares`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: (await t.createUser('student')).email, permission: 'view' }),
    });
    return {
      token: owner.token,
      path: { id: ready, shareId: shareSchema.parse(await res.json()).shareId },
    };
  },
  recordingAudit: () => ({ token: owner.token, path: { id: ready } }),
  listAudit: () => ({ token: admin.token, query: { action: 'user.login' } }),
  uploadSlice: () => ({
    token: liveBot.token,
    path: { id: live, seq: String(liveBot.uploaded) },
    raw: Buffer.from([0x1a, 0x45, 0xdf, 0xa3]),
  }),
  listRecorderBots: () => ({ token: admin.token }),
  listWebhookDeliveries: () => ({ token: admin.token }),
  recorderPreview: () => ({ token: admin.token, path: { id: live } }),
  addSyntheticParticipant: () => ({
    token: admin.token,
    path: { roomId: `synthetic-${Date.now()}` },
    body: { displayName: 'Synthetic' },
  }),
  removeSyntheticParticipant: async () => {
    const room = `synthetic-rm-${Date.now()}`;
    const res = await fetch(`${t.url}/api/v1/admin/rooms/${room}/synthetic-participants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Gone soon' }),
    });
    return {
      token: admin.token,
      path: { roomId: room, peerId: syntheticParticipantSchema.parse(await res.json()).peerId },
    };
  },
};

function urlOf(op: Operation, sample: Sample): string {
  let path = op.path;
  for (const [name, value] of Object.entries(sample.path ?? {}))
    path = path.replace(`{${name}}`, encodeURIComponent(value));
  expect(path, `${op.operationId}: every path parameter has a value`).not.toMatch(/[{}]/);
  const query = new URLSearchParams(sample.query ?? {}).toString();
  return `${t.url}${path}${query ? `?${query}` : ''}`;
}

async function call(op: Operation, sample: Sample): Promise<Response> {
  const headers: Record<string, string> = {};
  if (sample.token) headers.authorization = `Bearer ${sample.token}`;
  let body: BodyInit | undefined;
  if (sample.raw) {
    headers['content-type'] = 'application/octet-stream';
    body = new Uint8Array(sample.raw);
  } else if (sample.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(sample.body);
  }
  return fetch(urlOf(op, sample), { method: op.method.toUpperCase(), headers, body });
}

async function readyRecording(): Promise<string> {
  return recordReady(t, launcher, owner, {
    roomId: await t.createRoom(owner),
    title: 'Lecture for the contract',
  });
}

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'api-contract-'));
  const clip = join(mediaDir, 'clip.webm');
  await makeTestWebm(clip, 2);
  launcher = new FakeRecorderBotLauncher(clip);
  t = await startTestServer(
    // The live recording's bot is driven by hand and sends slices only when a case does.
    {
      RECORDING_MAX_CONCURRENT: '8',
      RECORDING_STALL_TIMEOUT_MS: '600000',
      HLS_ENABLED: 'true',
    },
    { botLauncher: launcher },
  );
  [admin, owner, student] = [
    await t.createUser('admin'),
    await t.createUser('instructor'),
    await t.createUser('student'),
  ];
  roomId = await t.createRoom(owner, { members: [student] });
  ready = await readyRecording();
  await vi.waitFor(
    async () =>
      expect((await t.server.context.recordings.findById(ready))?.hlsStatus).toBe('ready'),
    { timeout: 60_000, interval: 100 },
  );
  const liveRoom = await t.createRoom(owner);
  const started = await fetch(`${t.url}/api/v1/recordings/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ roomId: liveRoom, title: 'live' }),
  });
  live = startedRecordingSchema.parse(await started.json()).recordingId;
  liveBot = await launcher.botFor(live);
  await liveBot.upload(1);
});

afterAll(async () => {
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

describe('the API contract', () => {
  it('/api/openapi.json is valid OpenAPI 3.1 and lists every operation', async () => {
    const res = await fetch(`${t.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result, JSON.stringify(result.errors)).toMatchObject({ valid: true });
    const documented = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((m) => m.operationId),
    );
    expect(documented.sort()).toEqual(operations.map((op) => op.operationId).sort());
  });

  it('/api/docs serves Swagger UI reading the document', async () => {
    const page = await fetch(`${t.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/docs/assets/swagger-ui-bundle.js');
    expect((await fetch(`${t.url}/api/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
    expect(await (await fetch(`${t.url}/api/docs/init.js`)).text()).toContain('/api/openapi.json');
  });

  it.each(operations.filter((op) => ['user', 'admin', 'recorder'].includes(op.auth)))(
    '$operationId answers 401 without a token',
    async (op) => {
      const sample = await samples[op.operationId]!();
      const res = await call(op, { ...sample, token: undefined });
      expect(res.status).toBe(401);
      expect(errorBodySchema.parse(await res.json()).error.code).toBe('unauthorized');
    },
  );

  it.each(operations)(
    '$operationId answers a documented status with a body its schema accepts',
    async (op) => {
      const sample = samples[op.operationId];
      expect(sample, `a sample call for ${op.operationId}`).toBeDefined();
      const res = await call(op, await sample!());
      const documented = op.responses[res.status];
      expect(
        documented,
        `${op.operationId} answered ${res.status}, which it does not document`,
      ).toBeDefined();
      expect(res.status, 'the sample exercises a success').toBeLessThan(400);
      const type = res.headers.get('content-type') ?? '';
      if (documented!.content === 'json') {
        expect(type).toContain('application/json');
        const body: unknown = await res.json();
        documented!.schema?.parse(body);
      } else if (documented!.content) {
        const types = [documented!.content, ...(documented!.also ?? [])];
        expect(
          types.some((t) => type.includes(t)),
          `${type} is one of ${types.join(', ')}`,
        ).toBe(true);
        await res.arrayBuffer();
      }
    },
  );
});
