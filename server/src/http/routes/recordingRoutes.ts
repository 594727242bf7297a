/**
 * The recording API: start/stop, the library (list, read, edit, delete),
 * files (download, playback, thumbnail), sharing and the recording's audit
 * trail for users; the slice upload endpoint for the recorder bot. Every
 * user route asks the recording policy through `ctx.recordingAccess`.
 */
import express, { Router, type Request, type Response } from 'express';
import { forwardRequest, wasForwarded } from '../forward';
import { ELAPSED_HEADER } from '#protocol/recorderPage';
import type { RoomHosting } from '../../cluster/RoomHosting';
import { z } from 'zod';
import type { RecordingRow } from '#db/schema';
import {
  createShareBody,
  downloadQuery,
  hlsFileParams,
  signedStreamQuery,
  streamQuery,
  listRecordingsQuery,
  changeLayoutBody,
  recordingParams,
  shareParams,
  startRecordingBody,
  updateRecordingBody,
  type PlaybackJson,
  type RecordingDetailJson,
  type RecordingPageJson,
  type ShareJson,
  type ShareListJson,
  type StartedRecordingJson,
  type StoppedRecordingJson,
} from '#protocol/rest/recordings';
import { recordingAuditQuery } from '#protocol/rest/audit';
import type { ShareView } from '#db/repositories/SharesRepository';
import type { AppContext } from '../../context';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InvalidStateError,
  NotFoundError,
} from '../../errors';
import type { RecordingService } from '../../recording/RecordingService';
import { canChangeShare, canGrant, includesLevel } from '../../access/recordingPolicy';
import {
  authenticate,
  authenticateRecorder,
  recorderOf,
  requestOrigin,
  requireRole,
  userFromBearer,
  userOf,
} from '../middlewares/authenticate';
import { parseInput } from '../validate';
import {
  finishedContentType,
  finishedFile,
  finishedFormatOf,
  THUMBNAIL_FILE,
} from '../../recording/recordingFiles';
import type { IntegrityChecker } from '../../delivery/IntegrityChecker';
import { HLS_DIR, contentTypeOf, type PostProcessor } from '../../delivery/PostProcessor';
import { AUDIO_RENDITION, MASTER_PLAYLIST, VARIANT_PLAYLIST } from '../../delivery/hlsTranscode';
import { rewritePlaylist, type StreamUrlSigner } from '../../delivery/StreamUrlSigner';
import { sendStored, ifNoneMatch } from '../sendStored';
import { auditEntryJson } from './auditJson';
import { participantsJson, recordingJson } from './recordingJson';

const SLICE_MAX_BYTES = '32mb';

const sliceParams = recordingParams.extend({
  seq: z.coerce.number().int('seq must be an integer').min(0).max(10_000_000),
});
const mediaQuery = z.object({ token: z.string().min(1).max(4096) });
const PLAYLIST_TYPE = contentTypeOf(VARIANT_PLAYLIST);

export interface DeliveryRoutesDeps {
  integrity: IntegrityChecker;
  postProcessor: PostProcessor;
  signer: StreamUrlSigner;
}

export function recordingRoutes(
  ctx: AppContext,
  service: RecordingService,
  hosting: RoomHosting,
  { integrity, postProcessor, signer }: DeliveryRoutesDeps,
): Router {
  const router = Router();
  const access = ctx.recordingAccess;
  const storage = ctx.storage;
  const s3 = ctx.config.s3;
  const storedOptions = {
    proxy: s3.proxy,
    presignTtlSeconds: s3.presignTtlSeconds,
  };
  const onIntegrityError = (row: RecordingRow) => (error: Error) =>
    void integrity.markCorrupted(row, error.message).catch(() => {});
  /** The viewer of a media/stream link, as a principal the policy can judge. */
  const mediaViewer = async (userId: string) => {
    const account = await ctx.authenticator.currentAccount(userId);
    if (!account) throw new ForbiddenError('invalid media link');
    return { userId: account.id, role: account.role };
  };
  /**
   * Who opens a route that <video>, hls.js or a browser download follow
   * without headers: the holder of the media link (`?token=`, scoped to
   * recording `id`), or else the bearer token's user.
   */
  const linkOrBearerViewer = async (req: Request, id: string, token: string | undefined) =>
    token
      ? mediaViewer(ctx.tokens.verifyMedia(token, id).userId)
      : userFromBearer(ctx.authenticator, req);
  const sendRecordingFile = async (
    req: Request,
    res: Response,
    row: RecordingRow,
    disposition: 'inline' | 'attachment',
  ) =>
    sendStored(req, res, storage, row, finishedFile(row.format), {
      ...storedOptions,
      contentType: finishedContentType(row.format),
      etag: `"${row.sha256}"`,
      disposition: { type: disposition, name: downloadName(row) },
      cacheControl: 'private, no-cache',
      onIntegrityError: onIntegrityError(row),
    });
  /** The master playlist for `viewer`, every variant URL signed for this recording. */
  const sendMaster = async (res: Response, row: RecordingRow, userId: string) => {
    requireHls(row);
    const query = signer.sign(
      row.id,
      userId,
      new Date(Date.now() + ctx.config.hls.urlTtlSeconds * 1000),
    );
    const master = await storage.readText(row, `${HLS_DIR}/${MASTER_PLAYLIST}`);
    res.setHeader('Content-Type', PLAYLIST_TYPE);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(rewritePlaylist(master, (uri) => `${HLS_DIR}/${uri}?${query}`));
  };
  const forwardTo = (req: Request, res: Response, baseUrl: string) =>
    forwardRequest(req, res, { baseUrl, nodeId: hosting.nodeId });

  // The bot's slice upload: recorder token only, raw body, checked before anything is written.
  router.put(
    '/:id/slices/:seq',
    authenticateRecorder(ctx.tokens),
    express.raw({ type: () => true, limit: SLICE_MAX_BYTES }),
    async (req, res) => {
      const { id, seq } = parseInput(sliceParams, req.params, 'slice address');
      const body: unknown = req.body;
      const data = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      const elapsed = Number(req.headers[ELAPSED_HEADER]);
      const elapsedMs =
        Number.isInteger(elapsed) && elapsed >= 0 && elapsed <= 86_400_000 ? elapsed : undefined;
      const result = await service.acceptSlice(recorderOf(res), id, seq, data, elapsedMs);
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

  // Playback for <video>: the media token in the URL says who; the policy is asked on every request.
  router.get('/:id/media', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const { token } = parseInput(mediaQuery, req.query, 'media link');
    const grant = ctx.tokens.verifyMedia(token, id);
    const { row } = await access.require(await mediaViewer(grant.userId), id, 'view');
    requireReady(row);
    await sendRecordingFile(req, res, row, 'inline');
  });

  // HLS: the master playlist, for a media link (`?token=`, as <video> and hls.js load it) or a bearer token.
  router.get('/:id/stream', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const { token } = parseInput(streamQuery, req.query, 'stream link');
    const viewer = await linkOrBearerViewer(req, id, token);
    const { row } = await access.require(viewer, id, 'view');
    await sendMaster(res, row, viewer.userId);
  });

  // Variant playlists and segments: opened by the signature the playlist carried (no headers needed).
  router.get('/:id/hls/:rendition/:file', async (req, res) => {
    const { id, rendition, file } = parseInput(hlsFileParams, req.params, 'HLS file');
    const signed = parseInput(signedStreamQuery, req.query, 'stream link');
    const { userId } = signer.verify(id, signed);
    // Still asked on every request: a revoked share or deleted account stops the stream.
    const { row } = await access.require(await mediaViewer(userId), id, 'view');
    requireHls(row);
    // The shared audio rendition is in the tree whenever the recording has sound.
    if (rendition !== AUDIO_RENDITION && !row.hlsRenditions?.some((r) => r.name === rendition)) {
      throw new NotFoundError('no such rendition');
    }
    const path = `${HLS_DIR}/${rendition}/${file}`;
    if (file === VARIANT_PLAYLIST) {
      const query = new URLSearchParams({
        exp: String(signed.exp),
        uid: signed.uid,
        sig: signed.sig,
      }).toString();
      const text = await storage.readText(row, path);
      res.setHeader('Content-Type', PLAYLIST_TYPE);
      res.setHeader('Cache-Control', 'private, no-store');
      res.send(rewritePlaylist(text, (uri) => `${uri}?${query}`));
      return;
    }
    await sendStored(req, res, storage, row, path, {
      ...storedOptions,
      contentType: contentTypeOf(file),
      // Segments never change under one name: a private cache may keep them while signed.
      cacheControl: 'private, max-age=3600',
      onIntegrityError: onIntegrityError(row),
    });
  });

  // With a download link (`?token=`) the browser downloads by itself, following a redirect to the bucket.
  router.get('/:id/download', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const { token } = parseInput(downloadQuery, req.query, 'download link');
    const viewer = await linkOrBearerViewer(req, id, token);
    const { row } = await access.require(viewer, id, 'download');
    requireReady(row);
    const etag = `"${row.sha256}"`;
    // One audit row per download: a resumed or ranged fetch past the first byte is the same one.
    if (startsAtFirstByte(req) && !ifNoneMatch(req.headers['if-none-match'], etag)) {
      await ctx.audit.record({
        actorUserId: viewer.userId,
        action: 'recording.download',
        recordingId: id,
        ...requestOrigin(req),
      });
    }
    await sendRecordingFile(req, res, row, 'attachment');
  });

  router.use(authenticate(ctx.authenticator));

  router.post('/:id/verify', requireRole('admin'), async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const user = userOf(res);
    const { row, level, room } = await access.require(user, id, 'view');
    requireFinished(row);
    const outcome = await integrity.verify(row, user.userId);
    const current = (await ctx.recordings.findById(id)) ?? row;
    res.json({ ...outcome, recording: recordingJson(current, level, room) });
  });

  router.post('/:id/reprocess', requireRole('admin'), async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const user = userOf(res);
    const { row, level, room } = await access.require(user, id, 'view');
    requireFinished(row);
    if (row.integrity === 'corrupted') {
      throw new InvalidStateError(
        'this recording failed its integrity check; it cannot be reprocessed',
      );
    }
    if (!ctx.config.hls.enabled) throw new InvalidStateError('HLS is turned off (HLS_ENABLED)');
    const updated = await postProcessor.reprocess(row);
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'recording.reprocess',
      recordingId: id,
      ...requestOrigin(req),
    });
    res.status(202).json(recordingJson(updated, level, room));
  });

  router.post('/start', async (req, res) => {
    const input = parseInput(startRecordingBody, req.body, 'recording start');
    if (!wasForwarded(req)) {
      // The recording runs where the room is hosted (its bot joins there): start it there.
      await ctx.roomAccess.requireRecord(userOf(res), input.roomId);
      const host = await hosting.admit(input.roomId);
      if (host) {
        await forwardTo(req, res, host.url);
        return;
      }
    }
    const row = await service.start(input, userOf(res), requestOrigin(req));
    const body: StartedRecordingJson = {
      recordingId: row.id,
      status: row.status,
      startedAt: row.createdAt.toISOString(),
    };
    res.status(201).json(body);
  });

  /**
   * A request about a live recording goes to the server that runs it (its
   * lease holder), wherever it landed; true when it was forwarded there.
   */
  const forwardedToOwner = async (req: Request, res: Response, id: string) => {
    if (wasForwarded(req) || service.sessions.has(id)) return false;
    const owner = await ctx.recordings.findById(id);
    const url = await hosting.urlOf(owner?.nodeId ?? null);
    if (!url) return false;
    await forwardTo(req, res, url);
    return true;
  };

  router.post('/:id/layout', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const { layout } = parseInput(changeLayoutBody, req.body, 'layout');
    if (await forwardedToOwner(req, res, id)) return;
    const user = userOf(res);
    await service.changeLayout(id, layout, user, requestOrigin(req));
    const { row, level, room } = await access.require(user, id, 'view');
    res.json(recordingJson(row, level, room));
  });

  router.post('/:id/stop', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    if (await forwardedToOwner(req, res, id)) return;
    const row = await service.stop(id, userOf(res), requestOrigin(req));
    const body: StoppedRecordingJson = {
      recordingId: row.id,
      status: row.status,
      stoppedAt: row.stoppedAt?.toISOString() ?? null,
      durationSeconds: row.durationSeconds,
    };
    res.json(body);
  });

  router.get('/', async (req, res) => {
    const user = userOf(res);
    const q = parseInput(listRecordingsQuery, req.query, 'query');
    const viewer =
      user.role === 'admin'
        ? ({ all: true } as const)
        : ({ all: false, userId: user.userId } as const);
    const { items, total } = await ctx.recordings.list(q, viewer);
    const levels = await access.levelsOf(user, items);
    const body: RecordingPageJson = {
      // The query already kept only what the caller may view; a null level here would be a policy/query mismatch.
      items: levels.flatMap(({ row, level, room }) =>
        level ? [recordingJson(row, level, room)] : [],
      ),
      total,
      limit: q.limit,
      offset: q.offset,
    };
    res.json(body);
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const user = userOf(res);
    const { row, level, room } = await access.require(user, id, 'view');
    const participants = await ctx.recordings.listParticipants(id);
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'recording.view',
      recordingId: id,
      ...requestOrigin(req),
    });
    const body: RecordingDetailJson = {
      ...recordingJson(row, level, room),
      participants: participantsJson(participants),
    };
    res.json(body);
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const user = userOf(res);
    const patch = parseInput(updateRecordingBody, req.body, 'recording update');
    const { row, level, room } = await access.require(user, id, 'manage');
    const updated = await service.edit(row, patch);
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'recording.edit',
      recordingId: id,
      ...requestOrigin(req),
      details: { ...patch },
    });
    res.json(recordingJson(updated, level, room));
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const deletedAt = await service.delete(id, userOf(res), requestOrigin(req));
    res.json({ success: true, deletedAt: deletedAt.toISOString() });
  });

  router.post('/:id/playback', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const user = userOf(res);
    const { row, level } = await access.require(user, id, 'view');
    requireReady(row);
    const { token, expiresAt } = ctx.tokens.issueMediaToken(
      { userId: user.userId, recordingId: id },
      ctx.config.auth.mediaUrlTtlSeconds,
    );
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'recording.playback',
      recordingId: id,
      ...requestOrigin(req),
    });
    const query = `token=${encodeURIComponent(token)}`;
    const body: PlaybackJson = {
      url: `/api/v1/recordings/${id}/media?${query}`,
      hlsUrl: row.hlsStatus === 'ready' ? `/api/v1/recordings/${id}/stream?${query}` : null,
      downloadUrl: includesLevel(level, 'download')
        ? `/api/v1/recordings/${id}/download?${query}`
        : null,
      expiresAt: expiresAt.toISOString(),
    };
    res.json(body);
  });

  router.get('/:id/thumbnail', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const { row } = await access.require(userOf(res), id, 'view');
    if (typeof row.metadata.thumbnail !== 'string')
      throw new NotFoundError('this recording has no thumbnail');
    // Always through here (small): the library page fetches it with its bearer token.
    await sendStored(req, res, storage, row, THUMBNAIL_FILE, {
      proxy: true,
      presignTtlSeconds: s3.presignTtlSeconds,
      contentType: 'image/jpeg',
      etag: `"thumb-${row.sha256 ?? row.id}"`,
      // Private: a shared cache must never hand one user's thumbnail to another.
      cacheControl: 'private, max-age=300',
    });
  });

  router.get('/:id/shares', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    await access.require(userOf(res), id, 'share');
    const body: ShareListJson = { items: (await ctx.shares.listForRecording(id)).map(shareJson) };
    res.json(body);
  });

  router.post('/:id/shares', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    const user = userOf(res);
    const { level } = await access.require(user, id, 'share');
    const input = parseInput(createShareBody, req.body, 'share');
    if (!canGrant(level, input.permission)) {
      throw new ForbiddenError(`you hold ${level} and cannot grant ${input.permission}`);
    }
    let grantee: { userId: string } | { role: 'student' | 'instructor' };
    if (input.role) {
      grantee = { role: input.role };
    } else {
      const target = input.email
        ? await ctx.users.findByEmail(input.email)
        : await ctx.users.findById(input.userId!);
      if (!target) throw new NotFoundError('no account with this email or id');
      if (target.id === user.userId) throw new BadRequestError('you cannot share with yourself');
      grantee = { userId: target.id };
    }
    const existing = await ctx.shares.findForGrantee(id, grantee);
    if (existing && !canChangeShare(level, user, existing)) {
      throw new ForbiddenError(
        'this share was given by someone else; only a manager may change it',
      );
    }
    const { share, created } = await ctx.shares.upsert({
      recordingId: id,
      grantee,
      permission: input.permission,
      sharedBy: user.userId,
    });
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'recording.share',
      recordingId: id,
      ...requestOrigin(req),
      details: { shareId: share.id, ...grantee, permission: input.permission, created },
    });
    service.announce(id, 'recording.shared');
    const view = (await ctx.shares.listForRecording(id)).find((s) => s.id === share.id);
    res.status(created ? 201 : 200).json(shareJson(view!));
  });

  router.delete('/:id/shares/:shareId', async (req, res) => {
    const { id, shareId } = parseInput(shareParams, req.params, 'share');
    const user = userOf(res);
    const { level } = await access.require(user, id, 'share');
    const share = await ctx.shares.findById(id, shareId);
    if (!share) throw new NotFoundError('share not found');
    if (!canChangeShare(level, user, share)) {
      throw new ForbiddenError(
        'this share was given by someone else; only a manager may revoke it',
      );
    }
    await ctx.shares.delete(id, shareId);
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'recording.unshare',
      recordingId: id,
      ...requestOrigin(req),
      details: {
        shareId,
        userId: share.sharedWithUserId,
        role: share.sharedWithRole,
        permission: share.permission,
      },
    });
    res.json({ success: true });
  });

  router.get('/:id/audit', async (req, res) => {
    const { id } = parseInput(recordingParams, req.params, 'recording id');
    await access.require(userOf(res), id, 'manage');
    const q = parseInput(recordingAuditQuery, req.query, 'query');
    const { items, total } = await ctx.audit.list({ ...q, recordingId: id });
    res.json({ items: items.map(auditEntryJson), total, limit: q.limit, offset: q.offset });
  });

  return router;
}

function shareJson(s: ShareView): ShareJson {
  return {
    shareId: s.id,
    recordingId: s.recordingId,
    permission: s.permission,
    user: s.user,
    role: s.sharedWithRole,
    sharedBy: s.sharer,
    sharedAt: s.sharedAt.toISOString(),
  };
}

/** 409 unless the recording is ready and intact (a corrupted file is never served as good). */
function requireReady(row: RecordingRow): void {
  requireFinished(row);
  if (row.integrity === 'corrupted') {
    throw new InvalidStateError('this recording failed its integrity check and is not served');
  }
}

function requireHls(row: RecordingRow): void {
  requireReady(row);
  if (row.hlsStatus !== 'ready') {
    throw new InvalidStateError(`the HLS stream is ${row.hlsStatus ?? 'not made'}, not ready`);
  }
}

/** 409 unless the recording is ready (intact or not: what verify and reprocess work on). */
function requireFinished(row: RecordingRow): void {
  if (row.status !== 'ready' || !row.sha256) {
    throw new InvalidStateError(`recording is ${row.status}, not ready`);
  }
}

function startsAtFirstByte(req: Request): boolean {
  const range = req.headers.range;
  return !range || /^bytes=0-/.test(range.trim());
}

function downloadName(row: RecordingRow): string {
  const safe =
    row.title
      .replace(/[^\w.-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 80) || 'recording';
  return `${safe}-${row.id.slice(0, 8)}.${finishedFormatOf(row.format)}`;
}
