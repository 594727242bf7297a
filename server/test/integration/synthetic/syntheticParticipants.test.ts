import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ensureClip,
  killProcess,
  senderArgs,
  type SyntheticParticipantResponse,
} from '../../../../scripts/lib/syntheticParticipants';
import { pidsMatching } from '../../helpers/processes';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import {
  TestClients,
  allRoomsClosed,
  joinWithTransport,
  uniqueRoomId,
} from '../signalling/signallingClient';

describe('synthetic participants: ffmpeg-fed peers added by an admin', () => {
  let t: TestServer;
  let admin: TestUser;
  let instructor: TestUser;
  let student: TestUser;
  let clipDir: string;
  let clip: string;
  const clients = new TestClients();
  const senders: ChildProcess[] = [];

  async function api(path: string, token: string, method = 'GET', body?: unknown) {
    const res = await fetch(`${t.url}/api/v1/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  async function addSynthetic(roomId: string, displayName: string) {
    const res = await api(`/rooms/${roomId}/synthetic-participants`, admin.token, 'POST', {
      displayName,
    });
    expect(res.status).toBe(201);
    return res.json as unknown as SyntheticParticipantResponse;
  }

  function producersOf(roomId: string, peerId: string) {
    return [...(t.server.rooms.getRoom(roomId)?.peers.get(peerId)?.producers.values() ?? [])];
  }

  beforeAll(async () => {
    t = await startTestServer();
    admin = await t.createUser('admin', 'Ada Admin');
    instructor = await t.createUser('instructor', 'Ivy Instructor');
    student = await t.createUser('student', 'Sam Student');
    clipDir = await mkdtemp(join(tmpdir(), 'synthetic-clips-'));
    // Small and short: this test checks the plumbing, not the picture.
    clip = await ensureClip({
      index: 0,
      label: 'Synthetic 1',
      seconds: 2,
      width: 320,
      height: 180,
      cacheDir: clipDir,
    });
  });
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((sender) => killProcess(sender)));
    clients.closeAll();
    // Rooms kept open by synthetic peers close with them.
    for (const room of [...t.server.rooms.rooms.values()]) room.close();
    await allRoomsClosed(t.server.rooms);
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.close();
    if (clipDir) await rm(clipDir, { recursive: true, force: true });
  });

  it('joins like a browser: peer-joined, camera and mic new-producer, consumable, RTP flows, DELETE makes it leave', async () => {
    const roomId = uniqueRoomId('synthetic');
    const watcher = await clients.connect(t.url, instructor.token);
    const { joined, transportId } = await joinWithTransport(watcher, roomId, 'recv');
    const peerJoined = watcher.next('peer-joined');

    const created = await addSynthetic(roomId, 'Synthetic 1');
    expect(created).toMatchObject({
      displayName: 'Synthetic 1',
      video: { ip: '127.0.0.1', payloadType: 101 },
      audio: { ip: '127.0.0.1', payloadType: 100 },
    });
    expect(created.video.rtcpPort).not.toBe(created.video.port);
    expect(created.video.ssrc).toBeGreaterThan(0);
    expect(created.video.ssrc).toBeLessThan(2 ** 31);

    expect(await peerJoined).toEqual({
      peerId: created.peerId,
      userId: null,
      displayName: 'Synthetic 1',
      role: 'student',
    });
    await vi.waitFor(() => expect(watcher.received('new-producer')).toHaveLength(2));
    const announced = watcher.received('new-producer');
    expect(announced.map((p) => [p.kind, p.source]).sort()).toEqual([
      ['audio', 'mic'],
      ['video', 'camera'],
    ]);
    expect(announced.every((p) => p.peerId === created.peerId)).toBe(true);
    // The recording service's view of who is in the room.
    expect(t.server.rooms.listPeers(roomId).map((p) => p.displayName)).toContain('Synthetic 1');

    for (const producer of announced) {
      const consumer = await watcher.ok('consume', {
        transportId,
        producerId: producer.producerId,
        rtpCapabilities: joined.rtpCapabilities as Record<string, unknown>,
      });
      expect(consumer).toMatchObject({ peerId: created.peerId, kind: producer.kind });
    }

    const sender = spawn('ffmpeg', senderArgs(clip, created), { stdio: 'ignore' });
    senders.push(sender);
    await vi.waitFor(
      async () => {
        const producers = producersOf(roomId, created.peerId);
        expect(producers).toHaveLength(2);
        for (const producer of producers) {
          const [stats] = await producer.getStats();
          expect(stats?.byteCount ?? 0).toBeGreaterThan(0);
        }
      },
      { timeout: 20_000, interval: 200 },
    );

    const left = watcher.next('peer-left');
    const removed = await api(
      `/rooms/${roomId}/synthetic-participants/${created.peerId}`,
      admin.token,
      'DELETE',
    );
    expect(removed.status).toBe(200);
    expect(await left).toEqual({ peerId: created.peerId });
    await vi.waitFor(() => expect(watcher.received('producer-closed')).toHaveLength(2));
    expect(t.server.rooms.listPeers(roomId).map((p) => p.peerId)).not.toContain(created.peerId);

    await killProcess(sender);
    expect(await pidsMatching(clip)).toEqual([]);
  });

  it('a student gets 403 and nobody joins', async () => {
    const roomId = uniqueRoomId('synthetic');
    const res = await api(`/rooms/${roomId}/synthetic-participants`, student.token, 'POST', {
      displayName: 'Intruder',
    });
    expect(res.status).toBe(403);
    expect(t.server.rooms.getRoom(roomId)).toBeUndefined();

    const created = await addSynthetic(roomId, 'Synthetic 1');
    const del = await api(
      `/rooms/${roomId}/synthetic-participants/${created.peerId}`,
      student.token,
      'DELETE',
    );
    expect(del.status).toBe(403);
    expect(t.server.rooms.listPeers(roomId)).toHaveLength(1);
  });

  it('a bad room id, body or peer id answers 400; an unknown peer 404', async () => {
    const badRoom = await api('/rooms/bad%20room!/synthetic-participants', admin.token, 'POST', {
      displayName: 'Synthetic 1',
    });
    expect(badRoom.status).toBe(400);
    expect(badRoom.json).toMatchObject({ error: { code: 'bad_request' } });

    const roomId = uniqueRoomId('synthetic');
    const noName = await api(`/rooms/${roomId}/synthetic-participants`, admin.token, 'POST', {});
    expect(noName.status).toBe(400);
    const badPeer = await api(
      `/rooms/${roomId}/synthetic-participants/nope`,
      admin.token,
      'DELETE',
    );
    expect(badPeer.status).toBe(400);
    const unknown = await api(
      `/rooms/${roomId}/synthetic-participants/${crypto.randomUUID()}`,
      admin.token,
      'DELETE',
    );
    expect(unknown.status).toBe(404);
    expect(t.server.rooms.getRoom(roomId)).toBeUndefined();
  });

  it('is removed with its room: the room closing leaves nothing to DELETE', async () => {
    const roomId = uniqueRoomId('synthetic');
    const created = await addSynthetic(roomId, 'Synthetic 1');
    const room = t.server.rooms.getRoom(roomId)!;
    expect(producersOf(roomId, created.peerId)).toHaveLength(2);
    room.close('server-shutdown');
    const res = await api(
      `/rooms/${roomId}/synthetic-participants/${created.peerId}`,
      admin.token,
      'DELETE',
    );
    expect(res.status).toBe(404);
  });
});
