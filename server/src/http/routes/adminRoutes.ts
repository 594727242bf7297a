/** The admin debug view's API: running recorder bots (on every worker), their stats, console and a live preview. */
import { Router } from 'express';
import { recordingParams } from '#protocol/rest/recordings';
import type { RecorderBotJson, StorageReportJson } from '#protocol/rest/admin';
import type { AppContext } from '../../context';
import type { RecorderWorkersRepository } from '#db/repositories/RecorderWorkersRepository';
import { NotFoundError, UnavailableError } from '../../errors';
import type { RecordingService } from '../../recording/RecordingService';
import { authenticate, requireRole } from '../middlewares/authenticate';
import { parseInput } from '../validate';

const idParams = recordingParams;
const round1 = (n: number) => Math.round(n * 10) / 10;

export interface AdminRoutesOptions {
  /** Every recorder worker's heartbeat rows. */
  workers: RecorderWorkersRepository;
  /** A worker whose last heartbeat is older than this is not listed. */
  liveWithinMs: number;
  /** This server's node id. */
  nodeId: string;
}

export function adminRoutes(
  ctx: AppContext,
  service: RecordingService,
  options: AdminRoutesOptions,
): Router {
  const router = Router();
  router.use(authenticate(ctx.authenticator), requireRole('admin'));

  router.get('/storage', async (_req, res) => {
    const { storage, config } = ctx;
    const usage = await ctx.recordings.storageUsage(20);
    const body: StorageReportJson = {
      backend: storage.backend,
      encrypted: storage.encrypted,
      disk: { freeBytes: await storage.freeBytes(), minFreeBytes: config.storage.minFreeBytes },
      quotaBytes: config.storage.quotaBytes > 0 ? config.storage.quotaBytes : null,
      total: usage.total,
      byRoom: usage.byRoom,
      byOwner: usage.byOwner,
      largest: usage.largest.map((row) => ({
        recordingId: row.id,
        roomId: row.roomId,
        title: row.title,
        bytes: row.storedBytes ?? row.fileSize ?? 0,
        storage: row.storage,
      })),
    };
    res.json(body);
  });

  router.get('/recorders', async (_req, res) => {
    // Every worker's bots, on every node, from their heartbeat rows; the
    // recordings this node supervises add what only it knows (slices stored,
    // console lines, bots still waiting for a worker).
    const workers = await options.workers.listLive(options.liveWithinMs);
    const entries = workers.flatMap((worker) => worker.bots.map((bot) => ({ worker, bot })));
    const queued = [...service.sessions.values()].filter(
      (session) => !entries.some(({ bot }) => bot.recordingId === session.recordingId),
    );
    const ids = [...entries.map(({ bot }) => bot.recordingId), ...queued.map((s) => s.recordingId)];
    const rows = new Map(
      (await ctx.recordings.findByIds([...new Set(ids)])).map((row) => [row.id, row]),
    );
    const items: RecorderBotJson[] = [];
    for (const { worker, bot } of entries) {
      const row = rows.get(bot.recordingId);
      const session = service.sessions.get(bot.recordingId);
      const page = bot.page;
      const startedAt = row?.startedAt ?? row?.createdAt ?? new Date(bot.startedAt);
      items.push({
        recordingId: bot.recordingId,
        roomId: bot.roomId,
        title: row?.title ?? '',
        workerId: worker.id,
        workerHost: worker.host,
        pid: bot.browserPid,
        nodeId: row?.nodeId ?? null,
        state: page?.state ?? bot.state,
        botState: bot.state,
        startedAt: startedAt.toISOString(),
        uptimeSeconds: Math.round((Date.now() - new Date(bot.startedAt).getTime()) / 1000),
        tiles: page?.tiles ?? 0,
        framesPerSecond: page?.framesPerSecond ?? 0,
        drawMsAvg: page?.drawMsAvg ?? null,
        droppedFrames: page?.droppedFrames ?? 0,
        audioTracks: page?.audioTracks ?? 0,
        slicesReceived: session?.slicesReceived ?? page?.slicesSent ?? 0,
        bytesReceived: session?.bytesReceived ?? page?.bytesSent ?? 0,
        // Another node's recording: the time since it started is what it has, less any gap.
        recordedSeconds: round1(
          session
            ? session.recordedMs / 1000
            : row?.startedAt
              ? (Date.now() - row.startedAt.getTime()) / 1000
              : 0,
        ),
        lastError: bot.lastError,
        consoleLines: session?.bot?.consoleLines().slice(-50) ?? [],
      });
    }
    for (const session of queued) {
      items.push({
        recordingId: session.recordingId,
        roomId: session.roomId,
        title: session.title,
        workerId: null,
        workerHost: null,
        pid: null,
        nodeId: options.nodeId,
        state: 'queued',
        botState: 'queued',
        startedAt: (session.startedAt ?? session.createdAt).toISOString(),
        uptimeSeconds: 0,
        tiles: 0,
        framesPerSecond: 0,
        drawMsAvg: null,
        droppedFrames: 0,
        audioTracks: 0,
        slicesReceived: session.slicesReceived,
        bytesReceived: session.bytesReceived,
        recordedSeconds: round1(session.recordedMs / 1000),
        lastError: null,
        consoleLines: session.bot?.consoleLines().slice(-50) ?? [],
      });
    }
    res.json({ items });
  });

  router.get('/recorders/:id/preview.jpg', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'recording id');
    const bot = service.sessions.get(id)?.bot;
    if (!bot || bot.closed) throw new NotFoundError('no running recorder for this recording');
    const jpeg = await bot.preview().catch((error: unknown) => {
      throw new UnavailableError(`preview unavailable: ${(error as Error).message}`);
    });
    res.setHeader('Content-Type', 'image/jpeg');
    res.setHeader('Cache-Control', 'no-store');
    res.send(jpeg);
  });

  return router;
}
