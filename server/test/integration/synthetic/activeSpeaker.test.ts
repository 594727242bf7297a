/**
 * Active speaker: each room's ActiveSpeakerObserver, fed with the mics of
 * synthetic participants (the PlainTransport path), names the dominant
 * speaker to everyone in the room and to joiners.
 *
 * ffmpeg's RTP carries no ssrc-audio-level header extension, which is all
 * mediasoup listens to: what it decides here is its first pick (a mic as soon
 * as there is one) and the hand-over when the dominant mic goes. Choosing by
 * loudness needs senders that write audio levels, as browsers do.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
  openRoom,
  uniqueRoomId,
} from '../signalling/signallingClient';

/** mediasoup decides every 300 ms; ffmpeg and two participants on 2 busy cores take a while. */
const SPEAKER_TIMEOUT_MS = 15_000;

describe('active speaker: the dominant mic of a room, told to its peers', () => {
  let t: TestServer;
  let admin: TestUser;
  let instructor: TestUser;
  let student: TestUser;
  let clipDir: string;
  let clip: string;
  const clients = new TestClients();
  const senders: ChildProcess[] = [];

  async function addSynthetic(roomId: string, displayName: string) {
    const res = await fetch(`${t.url}/api/v1/admin/rooms/${roomId}/synthetic-participants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName }),
    });
    expect(res.status).toBe(201);
    const participant = (await res.json()) as SyntheticParticipantResponse;
    senders.push(spawn('ffmpeg', senderArgs(clip, participant), { stdio: 'ignore' }));
    return participant;
  }

  async function removeSynthetic(roomId: string, peerId: string) {
    const res = await fetch(
      `${t.url}/api/v1/admin/rooms/${roomId}/synthetic-participants/${peerId}`,
      { method: 'DELETE', headers: { authorization: `Bearer ${admin.token}` } },
    );
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    t = await startTestServer();
    admin = await t.createUser('admin', 'Ada Admin');
    instructor = await t.createUser('instructor', 'Ivy Instructor');
    student = await t.createUser('student', 'Sam Student');
    clipDir = await mkdtemp(join(tmpdir(), 'speaker-clips-'));
    clip = await ensureClip({
      index: 0,
      label: 'Speaker',
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
    expect(await pidsMatching(clip)).toEqual([]);
  });
  afterAll(async () => {
    clients.closeAll();
    await t?.close();
    if (clipDir) await rm(clipDir, { recursive: true, force: true });
  });

  it('with two synthetic participants, a joined client receives active-speaker naming one of them, and a later joiner finds it in the join answer', async () => {
    // Open to any signed-in user: the late joiner is a student.
    const roomId = await openRoom(t, uniqueRoomId('speaker'));
    const watcher = await clients.connect(t.url, instructor.token);
    const watcherJoined = await watcher.ok('join', { roomId });
    expect(watcherJoined.activeSpeakerPeerId).toBeNull();
    const firstSpeaker = watcher.next('active-speaker', SPEAKER_TIMEOUT_MS);

    const one = await addSynthetic(roomId, 'Speaker 1');
    const two = await addSynthetic(roomId, 'Speaker 2');
    const ids = [one.peerId, two.peerId];

    const { peerId } = await firstSpeaker;
    expect(ids).toContain(peerId);
    const room = t.server.rooms.getRoom(roomId)!;
    expect(ids).toContain(room.activeSpeakerPeerId);
    // One observer per room, on the room's router.
    const dump = (await room.router.dump()) as { rtpObserverIds: string[] };
    expect(dump.rtpObserverIds).toHaveLength(1);

    const late = await clients.connect(t.url, student.token);
    const lateJoined = await late.ok('join', { roomId });
    expect(lateJoined.activeSpeakerPeerId).toBe(room.activeSpeakerPeerId);
    expect(watcher.received('active-speaker').at(-1)).toEqual({
      peerId: lateJoined.activeSpeakerPeerId,
    });
  });

  it('when the dominant speaker leaves, the next active-speaker names the one left; the observer goes with the room', async () => {
    const roomId = uniqueRoomId('speaker');
    const watcher = await clients.connect(t.url, instructor.token);
    await watcher.ok('join', { roomId });
    const firstSpeaker = watcher.next('active-speaker', SPEAKER_TIMEOUT_MS);
    const one = await addSynthetic(roomId, 'Speaker 1');
    const two = await addSynthetic(roomId, 'Speaker 2');
    const { peerId: dominant } = await firstSpeaker;
    const other = dominant === one.peerId ? two.peerId : one.peerId;

    const left = watcher.next('peer-left');
    const nextSpeaker = watcher.next('active-speaker', SPEAKER_TIMEOUT_MS);
    await removeSynthetic(roomId, dominant);
    expect(await left).toEqual({ peerId: dominant });
    expect(await nextSpeaker).toEqual({ peerId: other });
    const room = t.server.rooms.getRoom(roomId)!;
    expect(room.activeSpeakerPeerId).toBe(other);

    room.close('server-shutdown');
    expect(room.router.closed).toBe(true);
    const workerDump = (await t.server.workers.workers[0]!.dump()) as { routerIds: string[] };
    expect(workerDump.routerIds).toEqual([]);
  });
});
