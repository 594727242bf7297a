/** Admin API on live rooms: synthetic participants (ffmpeg-fed peers used as load or stand-ins). */
import { Router } from 'express';
import { z } from 'zod';
import { roomIdSchema } from '#protocol/rest/common';
import { syntheticParticipantBody, syntheticParticipantParams } from '#protocol/rest/admin';
import type { AppContext } from '../../context';
import type { SyntheticParticipants } from '../../media/SyntheticParticipants';
import { authenticate, requireRole, userOf } from '../middlewares/authenticate';
import { parseInput } from '../validate';

const roomParams = z.object({ roomId: roomIdSchema });
const participantParams = syntheticParticipantParams;
const createBody = syntheticParticipantBody;

/** Mounted under /api/v1/admin: admins only. */
export function adminRoomsRoutes(ctx: AppContext, synthetic: SyntheticParticipants): Router {
  const router = Router();
  router.use(authenticate(ctx.authenticator), requireRole('admin'));

  router.post('/rooms/:roomId/synthetic-participants', async (req, res) => {
    const { roomId } = parseInput(roomParams, req.params, 'room id');
    const { displayName, screen } = parseInput(createBody, req.body, 'synthetic participant');
    // A room is a record before anyone is in it: the admin owns one created this way.
    await ctx.rooms.ensure({ id: roomId, title: roomId, ownerId: userOf(res).userId });
    const participant = await synthetic.add(roomId, displayName, { screen: screen ?? false });
    const { peerId } = participant;
    // A fake person in a class is worth a trace of who put it there.
    await ctx.audit.record({
      actorUserId: userOf(res).userId,
      action: 'room.synthetic_participant.add',
      ip: req.ip ?? null,
      details: { roomId, peerId, displayName, screen: participant.screen !== null },
    });
    const { video, audio } = participant;
    res.status(201).json({ peerId, displayName, video, audio, screen: participant.screen });
  });

  router.delete('/rooms/:roomId/synthetic-participants/:peerId', async (req, res) => {
    const { roomId, peerId } = parseInput(participantParams, req.params, 'synthetic participant');
    synthetic.remove(roomId, peerId);
    await ctx.audit.record({
      actorUserId: userOf(res).userId,
      action: 'room.synthetic_participant.remove',
      ip: req.ip ?? null,
      details: { roomId, peerId },
    });
    res.json({ peerId, removed: true });
  });

  return router;
}
