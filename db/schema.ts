/**
 * The one database schema, shared by the embedded PGlite database and
 * PostgreSQL. Migrations in ./migrations are generated from this file by
 * drizzle-kit (`npm run db:generate`) and applied at start-up.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  inet,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  uniqueIndex,
  text,
  timestamp,
  uuid,
  varchar,
  bigserial,
  check,
  doublePrecision,
} from 'drizzle-orm/pg-core';
// Relative, not #protocol: drizzle-kit loads this file without the package's import map.
import { recordingStatuses } from '../protocol/recordingLifecycle';
import type { RecorderStats } from '../protocol/recorderPage';
import type {
  HlsRendition,
  HlsStatusName,
  IntegrityName,
  StorageBackendName,
} from '../protocol/delivery';

export const userRoleEnum = pgEnum('user_role', ['student', 'instructor', 'admin']);
export const recordingStatusEnum = pgEnum('recording_status', recordingStatuses);
export const sharePermissionEnum = pgEnum('share_permission', ['view', 'download', 'share']);
export const roomAccessEnum = pgEnum('room_access', ['members', 'open']);
export const roomMemberRoleEnum = pgEnum('room_member_role', ['student', 'instructor']);

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: varchar('email', { length: 320 }).notNull().unique(),
  fullName: varchar('full_name', { length: 200 }).notNull(),
  passwordHash: text('password_hash').notNull(),
  role: userRoleEnum('role').notNull().default('student'),
  createdAt: createdAt(),
  /** Set when an admin deletes the account: it can no longer sign in or use its tokens. */
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
});

/** A classroom: the slug people join by, who owns it, and who may enter. */
export const rooms = pgTable(
  'rooms',
  {
    id: varchar('id', { length: 64 }).primaryKey(),
    title: varchar('title', { length: 200 }).notNull(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    access: roomAccessEnum('access').notNull().default('members'),
    /** The server hosting the room's media while anyone is in it (null: nobody is). */
    hostNodeId: varchar('host_node_id', { length: 64 }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('rooms_owner_id_idx').on(t.ownerId)],
);

export const roomMembers = pgTable(
  'room_members',
  {
    roomId: varchar('room_id', { length: 64 })
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: roomMemberRoleEnum('role').notNull().default('student'),
    addedBy: uuid('added_by').references(() => users.id),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.userId] }),
    index('room_members_user_id_idx').on(t.userId),
  ],
);

/** Logged-out tokens, kept until they would have expired anyway. */
export const revokedTokens = pgTable(
  'revoked_tokens',
  {
    tokenId: varchar('token_id', { length: 64 }).primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('revoked_tokens_expires_at_idx').on(t.expiresAt)],
);

export const recordings = pgTable(
  'recordings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roomId: varchar('room_id', { length: 64 }).notNull(),
    title: varchar('title', { length: 500 }).notNull(),
    description: text('description'),
    startedBy: uuid('started_by')
      .notNull()
      .references(() => users.id),
    status: recordingStatusEnum('status').notNull().default('pending'),
    filePath: text('file_path'),
    fileSize: bigint('file_size', { mode: 'number' }),
    /** Whole seconds, for listings; `durationMs` keeps the precision. */
    durationSeconds: integer('duration_seconds'),
    durationMs: integer('duration_ms'),
    format: varchar('format', { length: 16 }),
    videoCodec: varchar('video_codec', { length: 32 }),
    audioCodec: varchar('audio_codec', { length: 32 }),
    resolutionWidth: integer('resolution_width'),
    resolutionHeight: integer('resolution_height'),
    fps: doublePrecision('fps'),
    bitrate: integer('bitrate'),
    sha256: varchar('sha256', { length: 64 }),
    error: text('error'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    /**
     * The server that runs this recording (its bot, its finalization) and
     * until when it vouches for it. A server renews the leases of what it
     * runs; a recording whose lease lapsed is recovered by whichever server
     * claims it first, never while its owner is alive.
     */
    nodeId: varchar('node_id', { length: 64 }),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** Where the finished files are: this server's disk or the S3 bucket. */
    storage: varchar('storage', { length: 8 })
      .$type<StorageBackendName>()
      .notNull()
      .default('local'),
    /** Bytes of every finished file (WebM, HLS, thumbnail), for quotas and the storage report. */
    storedBytes: bigint('stored_bytes', { mode: 'number' }),
    /** The HLS renditions' post-processing (null: none asked for). */
    hlsStatus: varchar('hls_status', { length: 16 }).$type<HlsStatusName>(),
    hlsProgress: doublePrecision('hls_progress'),
    hlsError: text('hls_error'),
    hlsRenditions: jsonb('hls_renditions').$type<HlsRendition[]>(),
    /** The last check of the files against `sha256`. */
    integrity: varchar('integrity', { length: 16 })
      .$type<IntegrityName>()
      .notNull()
      .default('unchecked'),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
  },
  (t) => [
    index('recordings_room_id_idx').on(t.roomId),
    index('recordings_status_idx').on(t.status),
    index('recordings_created_at_idx').on(t.createdAt),
    // At most one active recording per room, enforced by the database so that
    // two server processes cannot both start one.
    uniqueIndex('recordings_one_active_per_room')
      .on(t.roomId)
      .where(sql`status in ('pending', 'recording') and deleted_at is null`),
  ],
);

export const recordingParticipants = pgTable(
  'recording_participants',
  {
    recordingId: uuid('recording_id')
      .notNull()
      .references(() => recordings.id, { onDelete: 'cascade' }),
    peerId: varchar('peer_id', { length: 64 }).notNull(),
    userId: uuid('user_id').references(() => users.id),
    fullName: varchar('full_name', { length: 200 }).notNull(),
    role: userRoleEnum('role').notNull(),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull(),
    leftAt: timestamp('left_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.recordingId, t.peerId] })],
);

export const recordingSharing = pgTable(
  'recording_sharing',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recordingId: uuid('recording_id')
      .notNull()
      .references(() => recordings.id, { onDelete: 'cascade' }),
    sharedWithUserId: uuid('shared_with_user_id').references(() => users.id),
    /** A share to a role among the recording's room members (`student`: the class). */
    sharedWithRole: roomMemberRoleEnum('shared_with_role'),
    permission: sharePermissionEnum('permission').notNull().default('view'),
    sharedBy: uuid('shared_by')
      .notNull()
      .references(() => users.id),
    sharedAt: timestamp('shared_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('recording_sharing_recording_id_idx').on(t.recordingId),
    index('recording_sharing_user_idx').on(t.sharedWithUserId),
    // One share per recording and grantee: sharing again changes its permission.
    uniqueIndex('recording_sharing_one_per_user')
      .on(t.recordingId, t.sharedWithUserId)
      .where(sql`shared_with_user_id is not null`),
    uniqueIndex('recording_sharing_one_per_role')
      .on(t.recordingId, t.sharedWithRole)
      .where(sql`shared_with_role is not null`),
    check(
      'recording_sharing_one_grantee',
      sql`(shared_with_user_id is null) <> (shared_with_role is null)`,
    ),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorUserId: uuid('actor_user_id').references(() => users.id),
    action: varchar('action', { length: 64 }).notNull(),
    recordingId: uuid('recording_id').references(() => recordings.id),
    ip: inet('ip'),
    userAgent: text('user_agent'),
    details: jsonb('details')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
  },
  (t) => [
    index('audit_log_recording_id_idx').on(t.recordingId),
    index('audit_log_actor_idx').on(t.actorUserId),
    index('audit_log_at_idx').on(t.at),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type UserRole = (typeof userRoleEnum.enumValues)[number];
export type RecordingRow = typeof recordings.$inferSelect;
export type RecordingStatus = (typeof recordingStatusEnum.enumValues)[number];
export type RecordingParticipantRow = typeof recordingParticipants.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
export type RoomAccess = (typeof roomAccessEnum.enumValues)[number];
export type RoomMemberRow = typeof roomMembers.$inferSelect;
export type RoomMemberRole = (typeof roomMemberRoleEnum.enumValues)[number];
export type ShareRow = typeof recordingSharing.$inferSelect;
export type SharePermission = (typeof sharePermissionEnum.enumValues)[number];

/** Every attempt to deliver a webhook event, for the admins' view (newest kept by retention). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull(),
    type: varchar('type', { length: 64 }).notNull(),
    url: text('url').notNull(),
    recordingId: uuid('recording_id'),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('webhook_deliveries_at_idx').on(t.at),
    index('webhook_deliveries_event_idx').on(t.eventId),
  ],
);
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

/** One bot as its worker last reported it (in `recorder_workers.bots`). */
export interface WorkerBotEntry {
  recordingId: string;
  roomId: string;
  botId: string;
  /** The bot's Chromium process id on the worker's host. */
  browserPid: number | null;
  state: string;
  startedAt: string;
  /** The page's stats at the last heartbeat (tiles, fps, slices...), or null. */
  page: RecorderStats | null;
  lastError: string | null;
}

/**
 * Recorder workers (embedded in a server or `npm run worker`), each upserting
 * its row on every heartbeat: what it runs and how much room it has left.
 * A row whose heartbeat is older than a few periods belongs to a dead worker.
 */
export const recorderWorkers = pgTable(
  'recorder_workers',
  {
    id: varchar('id', { length: 200 }).primaryKey(),
    host: varchar('host', { length: 255 }).notNull(),
    pid: integer('pid').notNull(),
    /** The server this worker is embedded in; null for a standalone worker. */
    nodeId: varchar('node_id', { length: 64 }),
    maxBots: integer('max_bots').notNull(),
    bots: jsonb('bots').$type<WorkerBotEntry[]>().notNull().default([]),
    idleCpu: doublePrecision('idle_cpu'),
    freeMemoryMb: integer('free_memory_mb'),
    /** Why the worker takes no job right now (full, CPU, memory), or null. */
    refusing: text('refusing'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('recorder_workers_heartbeat_idx').on(t.heartbeatAt)],
);
export type RecorderWorkerRow = typeof recorderWorkers.$inferSelect;

/**
 * The servers sharing this database, each upserting its row every few
 * seconds: where it is reached and how loaded it is (rooms are placed on
 * the least loaded live one). A row whose heartbeat lapsed is a dead server.
 */
export const clusterNodes = pgTable('cluster_nodes', {
  id: varchar('id', { length: 64 }).primaryKey(),
  publicUrl: text('public_url').notNull(),
  rooms: integer('rooms').notNull().default(0),
  peers: integer('peers').notNull().default(0),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull(),
});
export type ClusterNodeRow = typeof clusterNodes.$inferSelect;
