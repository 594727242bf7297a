/** The recordings API: the library, sharing, editing, playback. */
import { z } from 'zod';
import {
  dateQuery,
  emailSchema,
  pageSchema,
  paginationQuery,
  roomIdSchema,
  timestamp,
  userRefSchema,
} from './common';
import { roomMemberRoles } from './rooms';

import { recordingStatuses, type RecordingStatusName } from '../recordingLifecycle';
import { hlsStatuses, integrityStates, storageBackends } from '../delivery';
import { recordingLayoutSchema } from '../layout';

export { recordingStatuses, type RecordingStatusName };

/** Access levels, weakest first: each includes the ones before it. */
export const accessLevels = ['view', 'download', 'share', 'manage'] as const;
export type AccessLevel = (typeof accessLevels)[number];
/** What a share can grant: never `manage`. */
export const sharePermissions = ['view', 'download', 'share'] as const;
export type SharePermissionName = (typeof sharePermissions)[number];

export const recordingParams = z.object({ id: z.uuid('recording id must be a UUID') });
export const shareParams = recordingParams.extend({ shareId: z.uuid('share id must be a UUID') });

export const startRecordingBody = z
  .object({
    roomId: roomIdSchema,
    title: z.string().trim().min(1).max(500),
    description: z.string().max(5000).optional(),
    /** The composite's layout (default `auto`: `presentation` while a screen is shared, else `grid`). */
    layout: recordingLayoutSchema.optional(),
  })
  .strict();

/** Changes the layout of a recording in progress (from its next frame on). */
export const changeLayoutBody = z.object({ layout: recordingLayoutSchema }).strict();

export const updateRecordingBody = z
  .object({
    title: z.string().trim().min(1).max(500).optional(),
    description: z.string().max(5000).nullable().optional(),
  })
  .strict()
  .refine((b) => b.title !== undefined || b.description !== undefined, 'nothing to change');

export const listRecordingsQuery = z.object({
  q: z.string().trim().max(200).optional(),
  roomId: roomIdSchema.optional(),
  status: z.enum(recordingStatuses).optional(),
  from: dateQuery.optional(),
  to: dateQuery.optional(),
  ...paginationQuery,
});

/** Share with one user (by email or id) or with a role of the recording's room (`student`: the class). */
export const createShareBody = z
  .object({
    email: emailSchema.optional(),
    userId: z.uuid().optional(),
    role: z.enum(roomMemberRoles).optional(),
    permission: z.enum(sharePermissions).default('view'),
  })
  .strict()
  .refine(
    (b) => [b.email, b.userId, b.role].filter((v) => v !== undefined).length === 1,
    'give exactly one of email, userId or role',
  );

export const participantSchema = z.object({
  peerId: z.string(),
  userId: z.uuid().nullable(),
  fullName: z.string(),
  role: z.string(),
  joinedAt: timestamp,
  leftAt: timestamp.nullable(),
});

export const hlsRenditionSchema = z.object({
  name: z.string(),
  width: z.number(),
  height: z.number(),
  bandwidth: z.number(),
  averageBandwidth: z.number(),
  codecs: z.string(),
  durationSeconds: z.number(),
  segments: z.number(),
});

export const hlsSchema = z.object({
  status: z.enum(hlsStatuses),
  /** 0..1 while processing. */
  progress: z.number(),
  renditions: z.array(hlsRenditionSchema),
  error: z.string().nullable(),
});

export const recordingSchema = z.object({
  id: z.uuid(),
  recordingId: z.uuid(),
  roomId: z.string(),
  roomTitle: z.string().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  startedBy: z.uuid(),
  status: z.enum(recordingStatuses),
  /** The caller's access level to this recording. */
  access: z.enum(accessLevels),
  fileSize: z.number().nullable(),
  durationSeconds: z.number().nullable(),
  durationMs: z.number().nullable(),
  format: z.string().nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  resolutionWidth: z.number().nullable(),
  resolutionHeight: z.number().nullable(),
  fps: z.number().nullable(),
  bitrate: z.number().nullable(),
  sha256: z.string().nullable(),
  error: z.string().nullable(),
  hasThumbnail: z.boolean(),
  /**
   * Where a recorder bot failed mid-recording and a replacement took over:
   * `at` ms into the recording, `lostMs` of media missing there (null while
   * the replacement has not delivered yet).
   */
  interruptions: z.array(
    z.object({ at: z.number(), lostMs: z.number().nullable(), reason: z.string() }),
  ),
  /** The layout asked for (at start, or changed since); `auto` follows screen sharing. */
  layout: recordingLayoutSchema,
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  stoppedAt: timestamp.nullable(),
  completedAt: timestamp.nullable(),
  /** The HLS renditions (null: none made, e.g. HLS_ENABLED=false or not ready yet). */
  hls: hlsSchema.nullable(),
  /** Where the finished files are kept. */
  storage: z.enum(storageBackends),
  /** Bytes of every finished file (WebM, HLS, thumbnail). */
  storedBytes: z.number().nullable(),
  /** The last check of the WebM against its SHA-256; `corrupted` files are not served. */
  integrity: z.enum(integrityStates),
  verifiedAt: timestamp.nullable(),
  metadata: z.record(z.string(), z.unknown()),
});
export type RecordingJson = z.infer<typeof recordingSchema>;

export const recordingDetailSchema = recordingSchema.extend({
  participants: z.array(participantSchema),
});
export type RecordingDetailJson = z.infer<typeof recordingDetailSchema>;

export const recordingPageSchema = pageSchema(recordingSchema);
export type RecordingPageJson = z.infer<typeof recordingPageSchema>;

export const startedRecordingSchema = z.object({
  recordingId: z.uuid(),
  status: z.enum(recordingStatuses),
  startedAt: timestamp,
});
export type StartedRecordingJson = z.infer<typeof startedRecordingSchema>;

export const stoppedRecordingSchema = z.object({
  recordingId: z.uuid(),
  status: z.enum(recordingStatuses),
  stoppedAt: timestamp.nullable(),
  durationSeconds: z.number().nullable(),
});
export type StoppedRecordingJson = z.infer<typeof stoppedRecordingSchema>;

export const deletedRecordingSchema = z.object({ success: z.literal(true), deletedAt: timestamp });

export const shareSchema = z.object({
  shareId: z.uuid(),
  recordingId: z.uuid(),
  permission: z.enum(sharePermissions),
  /** Exactly one of `user` and `role` is set. */
  user: userRefSchema.nullable(),
  role: z.enum(roomMemberRoles).nullable(),
  sharedBy: userRefSchema.nullable(),
  sharedAt: timestamp,
});
export type ShareJson = z.infer<typeof shareSchema>;
export const shareListSchema = z.object({ items: z.array(shareSchema) });
export type ShareListJson = z.infer<typeof shareListSchema>;

/** A short-lived URL a `<video>` element can play without an Authorization header. */
export const playbackSchema = z.object({
  /** The WebM, inline. */
  url: z.string(),
  /** The HLS master playlist (hls.js or native HLS), once the renditions are ready. */
  hlsUrl: z.string().nullable(),
  /** The file as an attachment, for a browser download (null without `download` access). */
  downloadUrl: z.string().nullable(),
  expiresAt: timestamp,
});
export type PlaybackJson = z.infer<typeof playbackSchema>;

/** `POST /recordings/:id/verify`: what the check found, and the recording after it. */
export const verifyResultSchema = z.object({
  integrity: z.enum(integrityStates),
  reason: z.string().nullable(),
  recording: recordingSchema,
});
export type VerifyResultJson = z.infer<typeof verifyResultSchema>;

/** A signed HLS link's query, as the server writes it into the playlists. */
export const signedStreamQuery = z.object({
  exp: z.coerce.number().int().positive(),
  uid: z.uuid(),
  sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'malformed signature'),
});
export type SignedStreamQuery = z.infer<typeof signedStreamQuery>;

export const hlsFileParams = recordingParams.extend({
  rendition: z.string().regex(/^[a-z0-9]{1,16}$/, 'unknown rendition'),
  file: z.string().regex(/^(index\.m3u8|init\.mp4|seg_\d{5,8}\.m4s)$/, 'unknown HLS file'),
});

/** A download through a media link instead of the Authorization header. */
export const downloadQuery = z.object({ token: z.string().min(1).max(4096).optional() });

/** The master playlist of a media link (`token`) or, without it, for the bearer token's user. */
export const streamQuery = z.object({ token: z.string().min(1).max(4096).optional() });
