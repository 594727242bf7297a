/**
 * The rooms API: create a room (instructors, admins), list the caller's
 * rooms, read one, change it, and manage its members (owner, admins).
 * Every decision is the room policy's (server/src/access/roomPolicy.ts).
 */
import { Router } from 'express';
import type { AppContext } from '../../context';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import { RoomExistsError } from '#db/repositories/RoomsRepository';
import type { RoomMemberRole, RoomRow } from '#db/schema';
import {
  addMemberBody,
  createRoomBody,
  listRoomsQuery,
  roomMemberParams,
  roomParams,
  updateRoomBody,
  type RoomDetailJson,
  type RoomJson,
  type RoomMemberJson,
  type RoomPageJson,
  type RoomConnectJson,
} from '#protocol/rest/rooms';
import type { UserRef } from '#protocol/rest/common';
import { canCreateRoom, roomPermissions, type RoomPermissions } from '../../access/roomPolicy';
import {
  authenticate,
  requestOrigin,
  userOf,
  type UserPrincipal,
} from '../middlewares/authenticate';
import { parseInput } from '../validate';
import type { RoomHosting } from '../../cluster/RoomHosting';
import { ROOM_NOT_YOURS } from '../../access/RoomAccessService';

export interface RoomRoutesOptions {
  /** A member was removed: whoever may no longer join should be taken out of the live room. */
  onMemberRemoved?: (roomId: string, userId: string) => void;
  /** Which server hosts which room (the connect endpoint). */
  hosting: RoomHosting;
}

function roomJson(
  room: RoomRow,
  extra: {
    owner: UserRef | undefined;
    memberRole: RoomMemberRole | null;
    permissions: RoomPermissions;
    memberCount: number;
  },
): RoomJson {
  return {
    roomId: room.id,
    title: room.title,
    access: room.access,
    ownerId: room.ownerId,
    owner: extra.owner ?? null,
    createdAt: room.createdAt.toISOString(),
    membership: extra.memberRole,
    permissions: extra.permissions,
    memberCount: extra.memberCount,
  };
}

export function roomRoutes(
  ctx: AppContext,
  { onMemberRemoved, hosting }: RoomRoutesOptions,
): Router {
  const router = Router();
  router.use(authenticate(ctx.authenticator));

  async function detail(user: UserPrincipal, roomId: string): Promise<RoomDetailJson> {
    const { room, memberRole, permissions } = await ctx.roomAccess.requireVisible(user, roomId);
    const [owners, members] = await Promise.all([
      ctx.users.refsByIds([room.ownerId]),
      ctx.rooms.listMembers(roomId),
    ]);
    const json: RoomDetailJson = roomJson(room, {
      owner: owners.get(room.ownerId),
      memberRole,
      permissions,
      memberCount: members.length,
    });
    if (permissions.manage) json.members = members.map(memberJson);
    return json;
  }

  router.post('/', async (req, res) => {
    const user = userOf(res);
    if (!canCreateRoom(user.role))
      throw new ForbiddenError('only instructors and admins can create rooms');
    const input = parseInput(createRoomBody, req.body, 'room');
    try {
      await ctx.rooms.create({
        id: input.roomId,
        title: input.title,
        ownerId: user.userId,
        access: input.access ?? 'members',
      });
    } catch (error) {
      if (error instanceof RoomExistsError)
        throw new ConflictError('a room with this id already exists');
      throw error;
    }
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'room.create',
      ...requestOrigin(req),
      details: { roomId: input.roomId, access: input.access ?? 'members' },
    });
    res.status(201).json(await detail(user, input.roomId));
  });

  router.get('/', async (req, res) => {
    const user = userOf(res);
    const q = parseInput(listRoomsQuery, req.query, 'query');
    const { items, total } = await ctx.rooms.listFor(user.userId, {
      all: user.role === 'admin',
      limit: q.limit,
      offset: q.offset,
    });
    const [owners, memberships] = await Promise.all([
      ctx.users.refsByIds(items.map((r) => r.ownerId)),
      ctx.rooms.membershipsOf(
        user.userId,
        items.map((r) => r.id),
      ),
    ]);
    const body: RoomPageJson = {
      items: items.map((room) => {
        const memberRole = memberships.get(room.id) ?? null;
        return roomJson(room, {
          owner: owners.get(room.ownerId),
          memberRole,
          permissions: roomPermissions(user, room, memberRole),
          memberCount: room.memberCount,
        });
      }),
      total,
      limit: q.limit,
      offset: q.offset,
    };
    res.json(body);
  });

  router.get('/:roomId', async (req, res) => {
    const { roomId } = parseInput(roomParams, req.params, 'room id');
    res.json(await detail(userOf(res), roomId));
  });

  router.get('/:roomId/connect', async (req, res) => {
    const { roomId } = parseInput(roomParams, req.params, 'room id');
    const user = userOf(res);
    const found = await ctx.roomAccess.describe(user, roomId);
    // Whoever may join, or may create the room by joining it (its join will).
    if (found ? !found.permissions.join : !canCreateRoom(user.role)) {
      throw new NotFoundError(ROOM_NOT_YOURS);
    }
    const body: RoomConnectJson = await hosting.placement(roomId);
    res.json(body);
  });

  router.patch('/:roomId', async (req, res) => {
    const { roomId } = parseInput(roomParams, req.params, 'room id');
    const user = userOf(res);
    await ctx.roomAccess.requireManage(user, roomId);
    const patch = parseInput(updateRoomBody, req.body, 'room update');
    await ctx.rooms.update(roomId, patch);
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'room.update',
      ...requestOrigin(req),
      details: { roomId, ...patch },
    });
    res.json(await detail(user, roomId));
  });

  router.post('/:roomId/members', async (req, res) => {
    const { roomId } = parseInput(roomParams, req.params, 'room id');
    const user = userOf(res);
    await ctx.roomAccess.requireManage(user, roomId);
    const input = parseInput(addMemberBody, req.body, 'member');
    const member = input.email
      ? await ctx.users.findByEmail(input.email)
      : await ctx.users.findById(input.userId!);
    if (!member) throw new NotFoundError('no account with this email or id');
    const { created } = await ctx.rooms.upsertMember({
      roomId,
      userId: member.id,
      role: input.role,
      addedBy: user.userId,
    });
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'room.member_added',
      ...requestOrigin(req),
      details: { roomId, userId: member.id, email: member.email, role: input.role, created },
    });
    const added = (await ctx.rooms.listMembers(roomId)).find((m) => m.userId === member.id);
    res.status(created ? 201 : 200).json(memberJson(added!));
  });

  router.delete('/:roomId/members/:userId', async (req, res) => {
    const { roomId, userId } = parseInput(roomMemberParams, req.params, 'member');
    const user = userOf(res);
    await ctx.roomAccess.requireManage(user, roomId);
    if (!(await ctx.rooms.removeMember(roomId, userId))) {
      throw new NotFoundError('this user is not a member of the room');
    }
    await ctx.audit.record({
      actorUserId: user.userId,
      action: 'room.member_removed',
      ...requestOrigin(req),
      details: { roomId, userId },
    });
    onMemberRemoved?.(roomId, userId);
    res.json({ success: true });
  });

  return router;
}

function memberJson(m: {
  userId: string;
  email: string;
  fullName: string;
  role: RoomMemberRole;
  addedAt: Date;
}): RoomMemberJson {
  return {
    id: m.userId,
    userId: m.userId,
    email: m.email,
    fullName: m.fullName,
    role: m.role,
    addedAt: m.addedAt.toISOString(),
  };
}
