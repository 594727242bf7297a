/** The admin debug view's API: running recorder bots, their stats, console and a live preview. */
import { Router } from 'express';
import { recordingParams } from '#protocol/rest/recordings';
import type { RecorderBotJson } from '#protocol/rest/admin';
import type { AppContext } from '../../context';
import { NotFoundError, UnavailableError } from '../../errors';
import type { RecordingService } from '../../recording/RecordingService';
import { authenticate, requireRole } from '../middlewares/authenticate';
import { parseInput } from '../validate';

const idParams = recordingParams;

export function adminRoutes(ctx: AppContext, service: RecordingService): Router {
  const router = Router();
  router.use(authenticate(ctx.authenticator), requireRole('admin'));

  router.get('/recorders', async (_req, res) => {
    const items = await Promise.all(
      [...service.sessions.values()].map(async (session): Promise<RecorderBotJson> => {
        const bot = session.bot;
        const stats = bot ? await bot.stats() : null;
        const startedAt = session.startedAt ?? session.createdAt;
        return {
          recordingId: session.recordingId,
          roomId: session.roomId,
          title: session.title,
          state: stats?.page?.state ?? stats?.state ?? 'starting',
          botState: stats?.state ?? 'starting',
          startedAt: startedAt.toISOString(),
          uptimeSeconds: Math.round((stats?.uptimeMs ?? 0) / 1000),
          tiles: stats?.page?.tiles ?? 0,
          framesPerSecond: stats?.page?.framesPerSecond ?? 0,
          drawMsAvg: stats?.page?.drawMsAvg ?? null,
          droppedFrames: stats?.page?.droppedFrames ?? 0,
          audioTracks: stats?.page?.audioTracks ?? 0,
          slicesReceived: session.slicesReceived,
          bytesReceived: session.bytesReceived,
          lastError: stats?.lastError ?? null,
          consoleLines: bot?.consoleLines().slice(-50) ?? [],
        };
      }),
    );
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
