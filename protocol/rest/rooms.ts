/** The rooms API: classes with an owner, members and an access mode. */
import { z } from 'zod';
import {
  emailSchema,
  pageSchema,
  paginationQuery,
  roomIdSchema,
  timestamp,
  userRefSchema,
} from './common';

export const roomAccessValues = ['members', 'open'] as const;
export const roomMemberRoles = ['student', 'instructor'] as const;
export type RoomAccessMode = (typeof roomAccessValues)[number];
export type RoomMemberRoleName = (typeof roomMemberRoles)[number];

export const roomParams = z.object({ roomId: roomIdSchema });
export const roomMemberParams = roomParams.extend({ userId: z.uuid('user id must be a UUID') });

export const createRoomBody = z
  .object({
    roomId: roomIdSchema,
    title: z.string().trim().min(1).max(200),
    access: z.enum(roomAccessValues).optional(),
  })
  .strict();

export const updateRoomBody = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    access: z.enum(roomAccessValues).optional(),
  })
  .strict()
  .refine((b) => b.title !== undefined || b.access !== undefined, 'nothing to change');

/** Add a member by email or by user id (exactly one). */
export const addMemberBody = z
  .object({
    email: emailSchema.optional(),
    userId: z.uuid().optional(),
    role: z.enum(roomMemberRoles).default('student'),
  })
  .strict()
  .refine((b) => (b.email === undefined) !== (b.userId === undefined), {
    message: 'give exactly one of email or userId',
  });

export const listRoomsQuery = z.object({ ...paginationQuery });

export const roomMemberSchema = userRefSchema.extend({
  userId: z.uuid(),
  role: z.enum(roomMemberRoles),
  addedAt: timestamp,
});
export type RoomMemberJson = z.infer<typeof roomMemberSchema>;

/** What the caller may do in the room. */
export const roomPermissionsSchema = z.object({
  join: z.boolean(),
  record: z.boolean(),
  manage: z.boolean(),
});

export const roomSchema = z.object({
  roomId: roomIdSchema,
  title: z.string(),
  access: z.enum(roomAccessValues),
  ownerId: z.uuid(),
  owner: userRefSchema.nullable(),
  createdAt: timestamp,
  /** The caller's role as a member, if they are one. */
  membership: z.enum(roomMemberRoles).nullable(),
  permissions: roomPermissionsSchema,
  memberCount: z.number().int(),
});
export type RoomJson = z.infer<typeof roomSchema>;

/** GET /rooms/:roomId: members are listed for the owner and admins only. */
export const roomDetailSchema = roomSchema.extend({
  members: z.array(roomMemberSchema).optional(),
});
export type RoomDetailJson = z.infer<typeof roomDetailSchema>;

/** Where to connect for a room's media: the server hosting it (or the one that will). */
export const roomConnectSchema = z.object({
  /** Base URL of that server: Socket.IO signalling goes there. */
  url: z.url(),
  nodeId: z.string(),
});
export type RoomConnectJson = z.infer<typeof roomConnectSchema>;

export const roomPageSchema = pageSchema(roomSchema);
export type RoomPageJson = z.infer<typeof roomPageSchema>;
