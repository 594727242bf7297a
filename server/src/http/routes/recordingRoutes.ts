/**
 * The recording API: start/stop, read, list, delete, download (users), and
 * the slice upload endpoint (the recorder bot, with its recorder token).
 * Reading is allowed to the owner, admins and instructors.
 */
import { stat } from 'node:fs/promises';
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import type { RecordingRow } from '#db/schema';
import { roomIdSchema } from '#room-client/protocol';
import type { AppContext } from '../../context';
import { ConflictError, ForbiddenError, InvalidStateError, NotFoundError } from '../../errors';
import type { RecordingService } from '../../recording/RecordingService';
import { participantJson } from '../../recording/participantJson';
import {
  authenticate,
  authenticateRecorder,
  recorderOf,
  requireRole,
  userOf,
  type UserPrincipal,
} from '../middlewares/authenticate';
import { parseInput } from '../validate';

const SLICE_MAX_BYTES = '32mb';

const idParams = z.object({ id: z.uuid('recording id must be a UUID') });
const sliceParams = idParams.extend({
  seq: z.coerce.number().int('seq must be an integer').min(0).max(10_000_000),
});
const startSchema = z
  .object({
    roomId: roomIdSchema,
    title: z.string().trim().min(1).max(500),
    description: z.string().max(5000).optional(),
    layout: z.enum(['grid']).optional(),
  })
  .strict();
const listQuery = z.object({
  roomId: roomIdSchema.optional(),
  status: z.enum(['pending', 'recording', 'stopped', 'processing', 'ready', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** The API's view of a recording row. */
export function recordingJson(row: RecordingRow) {
  return {
    id: row.id,
    recordingId: row.id,
    roomId: row.roomId,
    title: row.title,
    description: row.description,
    startedBy: row.startedBy,
    status: row.status,
    fileSize: row.fileSize,
    durationSeconds: row.durationSeconds,
    durationMs: row.durationMs,
    format: row.format,
    videoCodec: row.videoCodec,
    audioCodec: row.audioCodec,
    resolutionWidth: row.resolutionWidth,
    resolutionHeight: row.resolutionHeight,
    fps: row.fps,
    bitrate: row.bitrate,
    sha256: row.sha256,
    error: row.error,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    stoppedAt: row.stoppedAt,
    completedAt: row.completedAt,
    metadata: row.metadata,
  };
}

function assertCanRead(row: RecordingRow, user: UserPrincipal): void {
  if (row.startedBy === user.userId || user.role === 'admin' || user.role === 'instructor') return;
  throw new ForbiddenError('you may not see this recording');
}

export function recordingRoutes(ctx: AppContext, service: RecordingService): Router {
  const router = Router();

  // The bot's slice upload: recorder token only, raw body, checked before anything is written.
  router.put(
    '/:id/slices/:seq',
    authenticateRecorder(ctx.tokens),
    express.raw({ type: () => true, limit: SLICE_MAX_BYTES }),
    async (req, res) => {
      const { id, seq } = parseInput(sliceParams, req.params, 'slice address');
      const body: unknown = req.body;
      const data = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      const result = await service.acceptSlice(recorderOf(res), id, seq, data);
      switch (result.outcome) {
        case 'appended':
          res.status(201).json({ seq, bytes: result.bytes });
          return;
        case 'duplicate':
          res.status(200).json({ seq, duplicate: true });
          return;
        case 'gap':
          throw new ConflictError(`slice ${seq} is out of order: expected ${result.expected}`);
        case 'conflict':
          throw new ConflictError(`slice ${seq}: ${result.reason}`);
        case 'closed':
          throw new InvalidStateError('this recording is not accepting slices');
      }
    },
  );

  router.use(authenticate(ctx.tokens));

  router.post('/start', requireRole('instructor', 'admin'), async (req, res) => {
    const input = parseInput(startSchema, req.body, 'recording start');
    const row = await service.start(input, userOf(res), req.ip);
    res.status(201).json({ recordingId: row.id, status: row.status, startedAt: row.createdAt });
  });

  router.post('/:id/stop', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'recording id');
    const row = await service.stop(id, userOf(res), req.ip);
    res.json({
      recordingId: row.id,
      status: row.status,
      stoppedAt: row.stoppedAt,
      durationSeconds: row.durationSeconds,
    });
  });

  router.get('/', async (req, res) => {
    const user = userOf(res);
    if (user.role === 'student') throw new ForbiddenError('students cannot list recordings');
    const q = parseInput(listQuery, req.query, 'query');
    const { items, total } = await ctx.recordings.list(q);
    res.json({ items: items.map(recordingJson), total, limit: q.limit, offset: q.offset });
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'recording id');
    const row = await ctx.recordings.findById(id);
    if (!row) throw new NotFoundError('recording not found');
    assertCanRead(row, userOf(res));
    const participants = await ctx.recordings.listParticipants(id);
    res.json({
      ...recordingJson(row),
      participants: participants.map(participantJson),
    });
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'recording id');
    const deletedAt = await service.delete(id, userOf(res), req.ip);
    res.json({ success: true, deletedAt });
  });

  router.get('/:id/download', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'recording id');
    const row = await ctx.recordings.findById(id);
    if (!row) throw new NotFoundError('recording not found');
    const user = userOf(res);
    assertCanRead(row, user);
    if (row.status !== 'ready' || !row.filePath || !row.sha256) {
      throw new InvalidStateError(`recording is ${row.status}, not ready`);
    }
    await stat(row.filePath).catch(() => {
      throw new NotFoundError('recording file is missing');
    });
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'recording.download',
      recordingId: id,
      ip: req.ip,
    });
    const etag = `"${row.sha256}"`;
    if (ifNoneMatch(req.headers['if-none-match'], etag)) {
      res.setHeader('ETag', etag);
      res.status(304).end();
      return;
    }
    await sendRecordingFile(res, row.filePath, etag, downloadName(row));
  });

  return router;
}

function downloadName(row: RecordingRow): string {
  const safe =
    row.title
      .replace(/[^\w.-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 80) || 'recording';
  return `${safe}-${row.id.slice(0, 8)}.webm`;
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** Sends with Range support; the ETag is the file's SHA-256 (strong), so If-Range works too. */
function sendRecordingFile(res: Response, path: string, etag: string, name: string): Promise<void> {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'private, no-cache');
  return new Promise((resolve, reject) => {
    res.download(
      path,
      name,
      { etag: false, acceptRanges: true, headers: { 'Content-Type': 'video/webm' } },
      (error) => {
        if (error && !res.headersSent) reject(error);
        else resolve();
      },
    );
  });
}
