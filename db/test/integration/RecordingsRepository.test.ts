import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActiveRecordingExistsError,
  RecordingsRepository,
} from '#db/repositories/RecordingsRepository';
import { UsersRepository } from '#db/repositories/UsersRepository';
import { AuditRepository } from '#db/repositories/AuditRepository';
import { testDatabases, type TestDatabase } from '../helpers/databases';

describe.each(testDatabases)('RecordingsRepository on $name', (driver) => {
  let database: TestDatabase;
  let recordings: RecordingsRepository;
  let instructorId: string;
  let roomCounter = 0;
  /** Each test works in its own room, so tests never see each other's rows. */
  const newRoom = () => `room-${++roomCounter}-${Date.now()}`;
  /** Takes a recording through every step of the lifecycle to ready. */
  const walkToReady = async (id: string) => {
    for (const to of ['recording', 'stopped', 'processing', 'ready'] as const) {
      expect(await recordings.transition(id, to)).toMatchObject({ status: to });
    }
  };

  beforeAll(async () => {
    database = await driver.open();
    recordings = new RecordingsRepository(database.handle.db);
    const users = new UsersRepository(database.handle.db);
    const instructor = await users.create({
      email: `instructor-${Date.now()}@example.com`,
      fullName: 'Ivy Instructor',
      passwordHash: 'h',
      role: 'instructor',
    });
    instructorId = instructor.id;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('create() starts a recording as pending with empty metadata', async () => {
    const roomId = newRoom();
    const row = await recordings.create({ roomId, title: 'Lecture 1', startedBy: instructorId });
    expect(row).toMatchObject({
      roomId,
      title: 'Lecture 1',
      description: null,
      startedBy: instructorId,
      status: 'pending',
      metadata: {},
      deletedAt: null,
    });
    expect((await recordings.findById(row.id))?.id).toBe(row.id);
    expect((await recordings.findActiveByRoom(roomId))?.id).toBe(row.id);
  });

  it('a second create() in a room with an active recording throws ActiveRecordingExistsError', async () => {
    const roomId = newRoom();
    const first = await recordings.create({ roomId, title: 'first', startedBy: instructorId });
    await expect(
      recordings.create({ roomId, title: 'second', startedBy: instructorId }),
    ).rejects.toBeInstanceOf(ActiveRecordingExistsError);
    await recordings.transition(first.id, 'recording');
    await expect(
      recordings.create({ roomId, title: 'third', startedBy: instructorId }),
    ).rejects.toBeInstanceOf(ActiveRecordingExistsError);
    // Other rooms are unaffected.
    await expect(
      recordings.create({ roomId: newRoom(), title: 'elsewhere', startedBy: instructorId }),
    ).resolves.toMatchObject({ status: 'pending' });
  });

  it('once the active recording is stopped or soft-deleted, the room can record again', async () => {
    const roomId = newRoom();
    const first = await recordings.create({ roomId, title: 'first', startedBy: instructorId });
    await recordings.transition(first.id, 'stopped', { stoppedAt: new Date() });
    const second = await recordings.create({ roomId, title: 'second', startedBy: instructorId });
    await recordings.softDelete(second.id, new Date());
    await expect(
      recordings.create({ roomId, title: 'third', startedBy: instructorId }),
    ).resolves.toMatchObject({ status: 'pending' });
  });

  it('transition() moves only along the lifecycle, and applies the patch with the move', async () => {
    const roomId = newRoom();
    const row = await recordings.create({ roomId, title: 't', startedBy: instructorId });
    const startedAt = new Date('2030-01-01T10:00:00.000Z');
    const recording = await recordings.transition(row.id, 'recording', { startedAt });
    expect(recording).toMatchObject({ status: 'recording', startedAt });

    // A concurrent transition already moved it: the stale one is refused and changes nothing.
    expect(await recordings.transition(row.id, 'recording', { error: 'stale' })).toBeUndefined();
    expect(
      await recordings.transition(row.id, 'failed', { error: 'stale' }, { from: ['pending'] }),
    ).toBeUndefined();
    expect(await recordings.findById(row.id)).toMatchObject({ status: 'recording', error: null });
    // Skipping a step is not a transition the table has: refused before any write.
    await expect(
      recordings.transition(row.id, 'ready', {}, { from: ['recording'] }),
    ).rejects.toThrow(/forbids recording → ready/);
    expect(await recordings.transition(row.id, 'ready')).toBeUndefined();

    await recordings.transition(row.id, 'stopped');
    await recordings.transition(row.id, 'processing');
    const ready = await recordings.transition(row.id, 'ready', {
      durationSeconds: 61,
      durationMs: 61_250,
      fileSize: 5_000_000_000,
    });
    expect(ready).toMatchObject({
      status: 'ready',
      durationSeconds: 61,
      durationMs: 61_250,
      fileSize: 5_000_000_000,
    });
  });

  it('list() filters by room and status, pages newest first, and reports the total', async () => {
    const roomId = newRoom();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const row = await recordings.create({ roomId, title: `part ${i}`, startedBy: instructorId });
      await (i === 2 ? recordings.transition(row.id, 'failed') : walkToReady(row.id));
      ids.push(row.id);
    }
    const all = await recordings.list({ roomId, limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.items.map((r) => r.id)).toEqual([...ids].reverse());

    const page = await recordings.list({ roomId, limit: 1, offset: 1 });
    expect(page.total).toBe(3);
    expect(page.items.map((r) => r.id)).toEqual([ids[1]]);

    const failed = await recordings.list({ roomId, status: 'failed', limit: 10, offset: 0 });
    expect(failed.total).toBe(1);
    expect(failed.items[0]?.id).toBe(ids[2]);

    const elsewhere = await recordings.list({ roomId: newRoom(), limit: 10, offset: 0 });
    expect(elsewhere).toEqual({ items: [], total: 0 });
  });

  it('softDelete() hides a recording from findById() and list(), once', async () => {
    const roomId = newRoom();
    const row = await recordings.create({ roomId, title: 'to delete', startedBy: instructorId });
    await walkToReady(row.id);
    const at = new Date();
    expect((await recordings.softDelete(row.id, at))?.deletedAt).toEqual(at);
    expect(await recordings.softDelete(row.id, new Date())).toBeUndefined();
    expect(await recordings.findById(row.id)).toBeUndefined();
    expect((await recordings.findById(row.id, { includeDeleted: true }))?.deletedAt).toEqual(at);
    expect((await recordings.list({ roomId, limit: 10, offset: 0 })).total).toBe(0);
  });

  it('mergeMetadata() adds keys without dropping existing ones', async () => {
    const row = await recordings.create({
      roomId: newRoom(),
      title: 'meta',
      startedBy: instructorId,
      metadata: { layout: 'grid' },
    });
    await recordings.mergeMetadata(row.id, { firstFrameMs: 420 });
    expect((await recordings.findById(row.id))?.metadata).toEqual({
      layout: 'grid',
      firstFrameMs: 420,
    });
  });

  it('claimLapsed() claims recordings a previous process left behind, not finished or deleted ones', async () => {
    const pending = await recordings.create({
      roomId: newRoom(),
      title: 'p',
      startedBy: instructorId,
    });
    const done = await recordings.create({
      roomId: newRoom(),
      title: 'd',
      startedBy: instructorId,
    });
    await walkToReady(done.id);
    const deleted = await recordings.create({
      roomId: newRoom(),
      title: 'x',
      startedBy: instructorId,
    });
    await recordings.softDelete(deleted.id, new Date());
    const until = new Date(Date.now() + 60_000);
    const ids = (await recordings.claimLapsed('recovering-node', until)).map((r) => r.id);
    expect(ids).toContain(pending.id);
    expect(ids).not.toContain(done.id);
    expect(ids).not.toContain(deleted.id);
  });

  it('participants join once, leave with a time, and are all closed at stop', async () => {
    const row = await recordings.create({ roomId: newRoom(), title: 'p', startedBy: instructorId });
    const t0 = new Date('2030-01-01T10:00:00.000Z');
    const t1 = new Date('2030-01-01T10:01:00.000Z');
    const t2 = new Date('2030-01-01T10:02:00.000Z');
    const t3 = new Date('2030-01-01T10:03:00.000Z');
    await recordings.participantJoined({
      recordingId: row.id,
      peerId: 'peer-a',
      userId: instructorId,
      fullName: 'Ivy Instructor',
      role: 'instructor',
      joinedAt: t0,
    });
    // A repeated join of the same peer is ignored (the first join time stays).
    await recordings.participantJoined({
      recordingId: row.id,
      peerId: 'peer-a',
      userId: instructorId,
      fullName: 'Ivy Instructor',
      role: 'instructor',
      joinedAt: t1,
    });
    await recordings.participantJoined({
      recordingId: row.id,
      peerId: 'peer-b',
      userId: null,
      fullName: 'Guest',
      role: 'student',
      joinedAt: t1,
    });
    await recordings.participantLeft(row.id, 'peer-a', t2);
    await recordings.closeParticipants(row.id, t3);

    const participants = await recordings.listParticipants(row.id);
    expect(participants.map((p) => [p.peerId, p.joinedAt, p.leftAt])).toEqual([
      ['peer-a', t0, t2],
      ['peer-b', t1, t3],
    ]);
  });

  it('the audit log keeps entries per recording, storing IPv4-mapped client addresses as IPv4', async () => {
    const audit = new AuditRepository(database.handle.db);
    const row = await recordings.create({ roomId: newRoom(), title: 'a', startedBy: instructorId });
    await audit.record({
      actorUserId: instructorId,
      action: 'recording.start',
      recordingId: row.id,
      ip: '::ffff:127.0.0.1',
      details: { roomId: row.roomId },
    });
    const entries = await audit.listForRecording(row.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'recording.start',
      actorUserId: instructorId,
      ip: '127.0.0.1',
      details: { roomId: row.roomId },
    });
  });
});
