/**
 * Live library updates: `recording-updated` reaches every socket of the
 * recording's viewers (and admins), connected to a room or not, and nobody
 * else.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startedRecordingSchema } from '#protocol/rest/recordings';
import type { ServerEvents } from '#protocol/signalling';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { TestClients, type TestClient } from '../signalling/signallingClient';

type Update = ServerEvents['recording-updated'];

let t: TestServer;
let mediaDir: string;
let launcher: FakeRecorderBotLauncher;
const clients = new TestClients();

beforeAll(async () => {
  mediaDir = await mkdtemp(join(tmpdir(), 'library-events-'));
  const clip = join(mediaDir, 'clip.webm');
  await makeTestWebm(clip, 3);
  launcher = new FakeRecorderBotLauncher(clip);
  t = await startTestServer({}, { botLauncher: launcher });
});

afterAll(async () => {
  clients.closeAll();
  await t?.close();
  await rm(mediaDir, { recursive: true, force: true });
});

/** Resolves with the first update of `recordingId` matching `status`. */
function updateWith(client: TestClient, recordingId: string, status: string): Promise<Update> {
  return new Promise((resolve) => {
    const seen = client
      .received('recording-updated')
      .find((u) => u.recordingId === recordingId && u.status === status);
    if (seen) {
      resolve(seen);
      return;
    }
    const listener = (u: Update) => {
      if (u.recordingId !== recordingId || u.status !== status) return;
      client.socket.off('recording-updated', listener);
      resolve(u);
    };
    client.socket.on('recording-updated', listener);
  });
}

describe('recording-updated', () => {
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let admin: TestUser;

  it('reaches the owner and admins until ready, the class once shared, and never an outsider', async () => {
    owner = await t.createUser('instructor');
    member = await t.createUser('student');
    outsider = await t.createUser('student');
    admin = await t.createUser('admin');
    const roomId = await t.createRoom(owner, { members: [member] });
    const [ownerSocket, memberSocket, outsiderSocket, adminSocket] = await Promise.all(
      [owner, member, outsider, admin].map((u) => clients.connect(t.url, u.token)),
    );

    const start = await callApi(t.url, '/recordings/start', {
      method: 'POST',
      token: owner.token,
      body: { roomId, title: 'Live' },
    });
    const { recordingId } = startedRecordingSchema.parse(start.body);
    await (await launcher.botFor(recordingId)).upload(2);
    await callApi(t.url, `/recordings/${recordingId}/stop`, { method: 'POST', token: owner.token });
    // Each update carries the status as it is when it is sent: bursts may fold, the last one is ready.
    for (const socket of [ownerSocket!, adminSocket!])
      await updateWith(socket, recordingId, 'ready');
    expect(memberSocket!.received('recording-updated')).toEqual([]);

    // Shared with the class: the member hears of it (and of later changes).
    const shared = updateWith(memberSocket!, recordingId, 'ready');
    await callApi(t.url, `/recordings/${recordingId}/shares`, {
      method: 'POST',
      token: owner.token,
      body: { role: 'student', permission: 'view' },
    });
    expect(await shared).toEqual({ recordingId, status: 'ready', deleted: false });

    const deleted = new Promise<Update>((resolve) =>
      memberSocket!.socket.on('recording-updated', (u: Update) => {
        if (u.deleted) resolve(u);
      }),
    );
    await callApi(t.url, `/recordings/${recordingId}`, { method: 'DELETE', token: owner.token });
    expect(await deleted).toMatchObject({ recordingId, deleted: true });
    // The owner heard the deletion too; by then the outsider would have had every one of these.
    await new Promise<void>((resolve) => {
      if (ownerSocket!.received('recording-updated').some((u) => u.deleted)) resolve();
      else ownerSocket!.socket.on('recording-updated', (u: Update) => u.deleted && resolve());
    });
    expect(outsiderSocket!.received('recording-updated')).toEqual([]);
  });
});
