/**
 * The authorization matrix: every caller × every recording and room
 * endpoint and the socket join, with the expected status in each cell, on
 * embedded PGlite and on PostgreSQL. A cell that changes is a reviewed
 * change to who may do what.
 *
 * The world: room R (members only) is owned by `roomOwner`; its members are
 * `recordingOwner` (instructor) and `studentMember` (student). In R,
 * `recordingOwner` made recording X (ready), shared with the class (role
 * student, view), with `studentView` (view), `studentDownload` (download)
 * and `studentShare` (share); and recording Z (ready, shared with nobody).
 * `studentNonMember` and `otherInstructor` have nothing to do with R.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createPostgresDatabase } from '#db/test/helpers/databases';
import {
  recordingDetailSchema,
  recordingPageSchema,
  recordingSchema,
  shareListSchema,
  shareSchema,
  playbackSchema,
  startedRecordingSchema,
  stoppedRecordingSchema,
} from '#protocol/rest/recordings';
import {
  roomDetailSchema,
  roomConnectSchema,
  roomMemberSchema,
  roomPageSchema,
} from '#protocol/rest/rooms';
import { auditPageSchema } from '#protocol/rest/audit';
import { errorBodySchema } from '#protocol/rest/common';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi, type ApiResponse } from '../../helpers/api';
import { recordReady } from '../../helpers/recordings';
import { TestClients } from '../signalling/signallingClient';

const callers = [
  'anonymous',
  'studentMember',
  'studentNonMember',
  'studentView',
  'studentDownload',
  'studentShare',
  'otherInstructor',
  'recordingOwner',
  'roomOwner',
  'admin',
] as const;
type Caller = (typeof callers)[number];
type Cells = readonly [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

interface World {
  t: TestServer;
  users: Record<Exclude<Caller, 'anonymous'>, TestUser>;
  bystander: TestUser;
  roomR: string;
  /** A room like R for start cells (no recording left running there). */
  roomStart: string;
  x: string;
  z: string;
  /** A live recording in R's twin, stopped by the stop cells. */
  live: string;
  /** recordingOwner's share of X with the bystander, recreated before each unshare cell. */
  bystanderShareId: () => Promise<string>;
  /** A fresh ready recording in R, for delete cells that succeed. */
  freshReady: () => Promise<string>;
}

interface Endpoint {
  name: string;
  expected: Cells;
  /** The request of one cell; may prepare state first. */
  call(w: World, caller: Caller, token: string | undefined): Promise<ApiResponse>;
  /** Schema a 2xx answer must match. */
  schema?: z.ZodType;
  /** Undo what a successful cell changed, so the next cell sees the same world. */
  undo?(w: World, caller: Caller, res: ApiResponse): Promise<void>;
}

const json = (
  w: World,
  path: string,
  token: string | undefined,
  init: { method?: string; body?: unknown } = {},
) => callApi(w.t.url, path, { token, ...init });

//                                  anon memb nonM view  dl  shar oIns recO roomO admin
const endpoints: Endpoint[] = [
  {
    name: 'GET /recordings',
    expected: [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    schema: recordingPageSchema,
    call: (w, _c, token) => json(w, '/recordings?limit=100', token),
  },
  {
    name: 'GET /recordings/:id',
    expected: [401, 200, 404, 200, 200, 200, 404, 200, 200, 200],
    schema: recordingDetailSchema,
    call: (w, _c, token) => json(w, `/recordings/${w.x}`, token),
  },
  {
    name: 'GET /recordings/:id (not shared with anyone)',
    expected: [401, 404, 404, 404, 404, 404, 404, 200, 200, 200],
    schema: recordingDetailSchema,
    call: (w, _c, token) => json(w, `/recordings/${w.z}`, token),
  },
  {
    name: 'GET /recordings/:id/thumbnail',
    expected: [401, 200, 404, 200, 200, 200, 404, 200, 200, 200],
    call: (w, _c, token) => json(w, `/recordings/${w.x}/thumbnail`, token),
  },
  {
    name: 'POST /recordings/:id/playback',
    expected: [401, 200, 404, 200, 200, 200, 404, 200, 200, 200],
    schema: playbackSchema,
    call: (w, _c, token) => json(w, `/recordings/${w.x}/playback`, token, { method: 'POST' }),
  },
  {
    name: 'GET /recordings/:id/download',
    expected: [401, 403, 404, 403, 200, 200, 404, 200, 200, 200],
    call: (w, _c, token) => json(w, `/recordings/${w.x}/download`, token),
  },
  {
    name: 'GET /recordings/:id/shares',
    expected: [401, 403, 404, 403, 403, 200, 404, 200, 200, 200],
    schema: shareListSchema,
    call: (w, _c, token) => json(w, `/recordings/${w.x}/shares`, token),
  },
  {
    name: 'POST /recordings/:id/shares (view, to a user)',
    expected: [401, 403, 404, 403, 403, 201, 404, 201, 201, 201],
    schema: shareSchema,
    call: (w, _c, token) =>
      json(w, `/recordings/${w.x}/shares`, token, {
        method: 'POST',
        body: { email: w.users.otherInstructor.email, permission: 'view' },
      }),
    async undo(w, _c, res) {
      const { shareId } = shareSchema.parse(res.body);
      await w.t.server.context.shares.delete(w.x, shareId);
    },
  },
  {
    name: 'DELETE /recordings/:id/shares/:shareId (given by the recording owner)',
    expected: [401, 403, 404, 403, 403, 403, 404, 200, 200, 200],
    call: async (w, _c, token) =>
      json(w, `/recordings/${w.x}/shares/${await w.bystanderShareId()}`, token, {
        method: 'DELETE',
      }),
  },
  {
    name: 'GET /recordings/:id/audit',
    expected: [401, 403, 404, 403, 403, 403, 404, 200, 200, 200],
    schema: auditPageSchema,
    call: (w, _c, token) => json(w, `/recordings/${w.x}/audit`, token),
  },
  {
    name: 'PATCH /recordings/:id',
    expected: [401, 403, 404, 403, 403, 403, 404, 200, 200, 200],
    schema: recordingSchema,
    call: (w, c, token) =>
      json(w, `/recordings/${w.x}`, token, {
        method: 'PATCH',
        body: { description: `edited by ${c}` },
      }),
  },
  {
    name: 'DELETE /recordings/:id',
    expected: [401, 403, 404, 403, 403, 403, 404, 200, 200, 200],
    // Those who may delete get a fresh recording each, so X stays for the other cells.
    call: async (w, c, token) => {
      const target = ['recordingOwner', 'roomOwner', 'admin'].includes(c)
        ? await w.freshReady()
        : w.x;
      return json(w, `/recordings/${target}`, token, { method: 'DELETE' });
    },
  },
  {
    name: 'POST /recordings/:id/stop (live, not shared)',
    // Managers come last in the row: the first stops it, the others get its current state.
    expected: [401, 404, 404, 404, 404, 404, 404, 200, 200, 200],
    schema: stoppedRecordingSchema,
    call: (w, _c, token) => json(w, `/recordings/${w.live}/stop`, token, { method: 'POST' }),
  },
  {
    name: 'POST /recordings/start',
    expected: [401, 403, 403, 403, 403, 403, 403, 201, 201, 201],
    schema: startedRecordingSchema,
    call: (w, _c, token) =>
      json(w, '/recordings/start', token, {
        method: 'POST',
        body: { roomId: w.roomStart, title: 'matrix' },
      }),
    async undo(w, _c, res) {
      const { recordingId } = startedRecordingSchema.parse(res.body);
      const stopped = await json(w, `/recordings/${recordingId}/stop`, w.users.admin.token, {
        method: 'POST',
      });
      expect(stopped.status).toBe(200);
    },
  },
  {
    name: 'GET /rooms',
    expected: [401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    schema: roomPageSchema,
    call: (w, _c, token) => json(w, '/rooms', token),
  },
  {
    name: 'GET /rooms/:roomId',
    expected: [401, 200, 404, 404, 404, 404, 404, 200, 200, 200],
    schema: roomDetailSchema,
    call: (w, _c, token) => json(w, `/rooms/${w.roomR}`, token),
  },
  {
    // Where to connect: whoever may join the room, exactly.
    name: 'GET /rooms/:roomId/connect',
    expected: [401, 200, 404, 404, 404, 404, 404, 200, 200, 200],
    schema: roomConnectSchema,
    call: (w, _c, token) => json(w, `/rooms/${w.roomR}/connect`, token),
  },
  {
    name: 'PATCH /rooms/:roomId',
    expected: [401, 403, 404, 404, 404, 404, 404, 403, 200, 200],
    schema: roomDetailSchema,
    call: (w, c, token) =>
      json(w, `/rooms/${w.roomR}`, token, { method: 'PATCH', body: { title: `Room R (${c})` } }),
  },
  {
    name: 'POST /rooms/:roomId/members',
    expected: [401, 403, 404, 404, 404, 404, 404, 403, 201, 201],
    schema: roomMemberSchema,
    call: (w, _c, token) =>
      json(w, `/rooms/${w.roomR}/members`, token, {
        method: 'POST',
        body: { email: w.bystander.email, role: 'student' },
      }),
    async undo(w) {
      await w.t.server.context.rooms.removeMember(w.roomR, w.bystander.id);
    },
  },
  {
    name: 'DELETE /rooms/:roomId/members/:userId',
    expected: [401, 403, 404, 404, 404, 404, 404, 403, 200, 200],
    call: async (w, _c, token) => {
      await w.t.server.context.rooms.upsertMember({
        roomId: w.roomR,
        userId: w.bystander.id,
        role: 'student',
        addedBy: w.users.roomOwner.id,
      });
      const res = await json(w, `/rooms/${w.roomR}/members/${w.bystander.id}`, token, {
        method: 'DELETE',
      });
      await w.t.server.context.rooms.removeMember(w.roomR, w.bystander.id);
      return res;
    },
  },
  {
    name: 'POST /rooms',
    expected: [401, 403, 403, 403, 403, 403, 201, 201, 201, 201],
    schema: roomDetailSchema,
    call: (w, c, token) =>
      json(w, '/rooms', token, {
        method: 'POST',
        body: { roomId: `made-by-${c}-${Date.now().toString(36)}`, title: 'A new room' },
      }),
  },
  {
    name: 'GET /audit',
    expected: [401, 403, 403, 403, 403, 403, 403, 403, 403, 200],
    schema: auditPageSchema,
    call: (w, _c, token) => json(w, '/audit', token),
  },
];

/** Socket join of room R: the same callers, the ack (or refusal) as a status. */
//                        anon memb nonM view  dl  shar oIns recO roomO admin
const socketJoin: Cells = [401, 200, 403, 403, 403, 403, 403, 200, 200, 200];

/** The level each caller holds on X, as GET /recordings/:id and the list say (null: not listed). */
const levelOnX: Record<Caller, string | null> = {
  anonymous: null,
  studentMember: 'view',
  studentNonMember: null,
  studentView: 'view',
  studentDownload: 'download',
  studentShare: 'share',
  otherInstructor: null,
  recordingOwner: 'manage',
  roomOwner: 'manage',
  admin: 'manage',
};

interface Mode {
  name: string;
  start(
    env: Record<string, string>,
    launcher: FakeRecorderBotLauncher,
  ): Promise<{ t: TestServer; close(): Promise<void> }>;
}

const modes: Mode[] = [
  {
    name: 'embedded PGlite',
    async start(env, launcher) {
      const t = await startTestServer(env, { botLauncher: launcher });
      return { t, close: () => t.close() };
    },
  },
  {
    name: 'PostgreSQL',
    async start(env, launcher) {
      const database = await createPostgresDatabase();
      try {
        const t = await startTestServer(
          { ...env, DATABASE_URL: database.url },
          { botLauncher: launcher },
        );
        return {
          t,
          async close() {
            await t.close();
            await database.drop();
          },
        };
      } catch (error) {
        await database.drop();
        throw error;
      }
    },
  },
];

describe.each(modes)('authorization matrix on $name', (mode) => {
  let mediaDir: string;
  let started: Awaited<ReturnType<Mode['start']>>;
  let launcher: FakeRecorderBotLauncher;
  let world: World;
  const clients = new TestClients();

  const recordReadyIn = (roomId: string, owner: TestUser) =>
    recordReady(world.t, launcher, owner, { roomId, slices: 2 });

  beforeAll(async () => {
    mediaDir = await mkdtemp(join(tmpdir(), 'access-matrix-'));
    const clip = join(mediaDir, 'clip.webm');
    await makeTestWebm(clip, 3);
    launcher = new FakeRecorderBotLauncher(clip);
    started = await mode.start({ RECORDING_MAX_CONCURRENT: '8' }, launcher);
    const t = started.t;
    const users = {
      studentMember: await t.createUser('student', 'Student Member'),
      studentNonMember: await t.createUser('student', 'Student Outsider'),
      studentView: await t.createUser('student', 'Student View'),
      studentDownload: await t.createUser('student', 'Student Download'),
      studentShare: await t.createUser('student', 'Student Share'),
      otherInstructor: await t.createUser('instructor', 'Other Instructor'),
      recordingOwner: await t.createUser('instructor', 'Recording Owner'),
      roomOwner: await t.createUser('instructor', 'Room Owner'),
      admin: await t.createUser('admin', 'Admin'),
    };
    const bystander = await t.createUser('student', 'Bystander');
    const members = [
      { id: users.recordingOwner.id, role: 'instructor' as const },
      { id: users.studentMember.id, role: 'student' as const },
    ];
    const roomR = await t.createRoom(users.roomOwner, { members });
    const roomLive = await t.createRoom(users.roomOwner, { members });
    const roomStart = await t.createRoom(users.roomOwner, { members });
    world = {
      t,
      users,
      bystander,
      roomR,
      roomStart,
      x: '',
      z: '',
      live: '',
      bystanderShareId: async () => {
        const { share } = await t.server.context.shares.upsert({
          recordingId: world.x,
          grantee: { userId: bystander.id },
          permission: 'view',
          sharedBy: users.recordingOwner.id,
        });
        return share.id;
      },
      freshReady: () => recordReadyIn(roomR, users.recordingOwner),
    };
    world.x = await recordReadyIn(roomR, users.recordingOwner);
    world.z = await recordReadyIn(roomR, users.recordingOwner);
    const share = (body: Record<string, unknown>) =>
      callApi(t.url, `/recordings/${world.x}/shares`, {
        method: 'POST',
        token: users.recordingOwner.token,
        body,
      });
    for (const res of [
      await share({ role: 'student', permission: 'view' }),
      await share({ email: users.studentView.email, permission: 'view' }),
      await share({ email: users.studentDownload.email, permission: 'download' }),
      await share({ email: users.studentShare.email, permission: 'share' }),
    ]) {
      expect(res.status).toBe(201);
    }
    const live = await callApi(t.url, '/recordings/start', {
      method: 'POST',
      token: users.recordingOwner.token,
      body: { roomId: roomLive, title: 'live' },
    });
    world.live = startedRecordingSchema.parse(live.body).recordingId;
    await (await launcher.botFor(world.live)).upload(1);
  });

  afterAll(async () => {
    clients.closeAll();
    await started?.close();
    await rm(mediaDir, { recursive: true, force: true });
  });

  const cells = endpoints.flatMap((endpoint) =>
    callers.map((caller, i) => ({ endpoint, caller, status: endpoint.expected[i]! })),
  );

  it.each(cells)(
    '$endpoint.name by $caller answers $status',
    async ({ endpoint, caller, status }) => {
      const token = caller === 'anonymous' ? undefined : world.users[caller].token;
      const res = await endpoint.call(world, caller, token);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      if (status >= 400) {
        expect(errorBodySchema.parse(res.body).error.code).toBe(
          { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' }[status],
        );
      } else {
        if (endpoint.schema) endpoint.schema.parse(res.body);
        await endpoint.undo?.(world, caller, res);
      }
    },
  );

  it.each(callers.map((caller, i) => ({ caller, status: socketJoin[i]! })))(
    'socket join of the room by $caller answers $status',
    async ({ caller, status }) => {
      if (caller === 'anonymous') {
        const refusal = await clients.refusal(world.t.url, {});
        expect(refusal.data).toEqual({ code: 'unauthorized' });
        return;
      }
      const client = await clients.connect(world.t.url, world.users[caller].token);
      const ack = await client.request('join', { roomId: world.roomR });
      if (status === 200) {
        expect(ack.ok).toBe(true);
        await client.ok('leave');
      } else {
        expect(ack).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        // Refused means not in the room: nothing to receive, no peer created.
        expect(world.t.server.rooms.getRoom(world.roomR)?.peers.size ?? 0).toBe(0);
      }
      client.close();
    },
  );

  it.each(callers.filter((c) => c !== 'anonymous'))(
    'X carries the level %s holds, in the list and on its own',
    async (caller) => {
      const token = world.users[caller].token;
      const list = recordingPageSchema.parse(
        (await callApi(world.t.url, '/recordings?limit=100', { token })).body,
      );
      expect(list.items.find((r) => r.id === world.x)?.access ?? null).toBe(levelOnX[caller]);
      const one = await callApi(world.t.url, `/recordings/${world.x}`, { token });
      if (levelOnX[caller])
        expect(recordingDetailSchema.parse(one.body).access).toBe(levelOnX[caller]);
      else expect(one.status).toBe(404);
    },
  );

  it('a recording that does not exist is 404 for everyone, admins included; a room that does not exist cannot be recorded', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const caller of ['studentMember', 'recordingOwner', 'admin'] as const) {
      const token = world.users[caller].token;
      expect((await callApi(world.t.url, `/recordings/${missing}`, { token })).status).toBe(404);
    }
    const start = await callApi(world.t.url, '/recordings/start', {
      method: 'POST',
      token: world.users.admin.token,
      body: { roomId: 'no-such-room', title: 'x' },
    });
    expect(start.status).toBe(404);
  });

  it('a share never grants more than its giver holds, and a share holder cannot change a share given by a manager', async () => {
    const t = world.t;
    // studentDownload holds download: no share level at all.
    const fromDownload = await callApi(t.url, `/recordings/${world.x}/shares`, {
      method: 'POST',
      token: world.users.studentDownload.token,
      body: { email: world.bystander.email, permission: 'view' },
    });
    expect(fromDownload.status).toBe(403);
    // studentShare may not downgrade studentView's share, which the recording owner gave.
    const change = await callApi(t.url, `/recordings/${world.x}/shares`, {
      method: 'POST',
      token: world.users.studentShare.token,
      body: { email: world.users.studentView.email, permission: 'share' },
    });
    expect(change.status).toBe(403);
    // A manager upgrades it: same share, new permission, 200.
    const upgrade = await callApi(t.url, `/recordings/${world.x}/shares`, {
      method: 'POST',
      token: world.users.recordingOwner.token,
      body: { email: world.users.studentView.email, permission: 'view' },
    });
    expect(upgrade.status).toBe(200);
  });

  it('revoking a share takes effect on the next request', async () => {
    const t = world.t;
    const owner = world.users.recordingOwner.token;
    const created = await callApi(t.url, `/recordings/${world.z}/shares`, {
      method: 'POST',
      token: owner,
      body: { email: world.bystander.email, permission: 'download' },
    });
    expect(created.status).toBe(201);
    const { shareId } = shareSchema.parse(created.body);
    expect(
      (await callApi(t.url, `/recordings/${world.z}/download`, { token: world.bystander.token }))
        .status,
    ).toBe(200);
    const playback = playbackSchema.parse(
      (
        await callApi(t.url, `/recordings/${world.z}/playback`, {
          method: 'POST',
          token: world.bystander.token,
        })
      ).body,
    );
    expect(
      (await fetch(`${t.url}${playback.url}`, { headers: { range: 'bytes=0-99' } })).status,
    ).toBe(206);
    const revoked = await callApi(t.url, `/recordings/${world.z}/shares/${shareId}`, {
      method: 'DELETE',
      token: owner,
    });
    expect(revoked.status).toBe(200);
    expect(
      (await callApi(t.url, `/recordings/${world.z}/download`, { token: world.bystander.token }))
        .status,
    ).toBe(404);
    // The playback URL it was given stops working too: the policy is asked on every request.
    expect(
      (await fetch(`${t.url}${playback.url}`, { headers: { range: 'bytes=0-99' } })).status,
    ).toBe(404);
  });
});
