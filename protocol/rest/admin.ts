/** Admin and operations endpoints: running recorder bots, synthetic participants, health. */
import { z } from 'zod';
import { pageSchema, paginationQuery, roomIdSchema, timestamp } from './common';

export const recorderBotSchema = z.object({
  recordingId: z.uuid(),
  roomId: z.string(),
  title: z.string(),
  /** The worker running the bot; null while its job waits for one. */
  workerId: z.string().nullable(),
  /** That worker's host name. */
  workerHost: z.string().nullable(),
  /** The bot's Chromium process id on that host. */
  pid: z.number().int().nullable(),
  /** The server that owns the recording (supervises the bot, stores its slices). */
  nodeId: z.string().nullable(),
  state: z.string(),
  botState: z.string(),
  startedAt: timestamp,
  uptimeSeconds: z.number(),
  tiles: z.number(),
  framesPerSecond: z.number(),
  drawMsAvg: z.number().nullable(),
  droppedFrames: z.number(),
  audioTracks: z.number(),
  slicesReceived: z.number(),
  bytesReceived: z.number(),
  /** Seconds of media stored so far (slices are not seconds: the first ones come early). */
  recordedSeconds: z.number(),
  lastError: z.string().nullable(),
  consoleLines: z.array(z.string()),
});
export type RecorderBotJson = z.infer<typeof recorderBotSchema>;
export const recorderBotListSchema = z.object({ items: z.array(recorderBotSchema) });

export const syntheticParticipantParams = z.object({
  roomId: roomIdSchema,
  peerId: z.uuid('peer id must be a UUID'),
});
export const syntheticParticipantBody = z
  .object({
    displayName: z.string().trim().min(1).max(100),
    /** Also share a screen: a second video producer with source `screen`. */
    screen: z.boolean().optional(),
  })
  .strict();
const rtpTarget = z.object({
  ip: z.string(),
  port: z.number().int(),
  rtcpPort: z.number().int(),
  payloadType: z.number().int(),
  ssrc: z.number().int(),
});
export const syntheticParticipantSchema = z.object({
  peerId: z.uuid(),
  displayName: z.string(),
  video: rtpTarget,
  audio: rtpTarget,
  /** Where to send the shared screen (VP8, like the camera), when asked for. */
  screen: rtpTarget.nullable(),
});
export const syntheticParticipantRemovedSchema = z.object({
  peerId: z.uuid(),
  removed: z.literal(true),
});

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: z.string().optional(),
  mediasoupWorkers: z.number().int().optional(),
  rooms: z.number().int().optional(),
  peers: z.number().int().optional(),
  recorders: z.number().int().optional(),
});

export const listDeliveriesQuery = z.object({ ...paginationQuery });
export const webhookDeliverySchema = z.object({
  id: z.number().int(),
  eventId: z.uuid(),
  type: z.string(),
  url: z.string(),
  recordingId: z.uuid().nullable(),
  attempt: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  at: timestamp,
});
export const webhookDeliveryPageSchema = pageSchema(webhookDeliverySchema);
export type WebhookDeliveryPageJson = z.infer<typeof webhookDeliveryPageSchema>;

/** `GET /admin/storage`: what recordings take, where, and what is left on the disk. */
export const storageReportSchema = z.object({
  backend: z.enum(['local', 's3']),
  encrypted: z.boolean(),
  disk: z.object({
    freeBytes: z.number(),
    /** Below this a start answers 507; below half of it running recordings stop. */
    minFreeBytes: z.number(),
  }),
  quotaBytes: z.number().nullable(),
  total: z.object({
    bytes: z.number(),
    recordings: z.number(),
    local: z.number(),
    s3: z.number(),
  }),
  byRoom: z.array(z.object({ roomId: z.string(), bytes: z.number(), recordings: z.number() })),
  byOwner: z.array(
    z.object({
      userId: z.uuid(),
      fullName: z.string().nullable(),
      bytes: z.number(),
      recordings: z.number(),
    }),
  ),
  largest: z.array(
    z.object({
      recordingId: z.uuid(),
      roomId: z.string(),
      title: z.string(),
      bytes: z.number(),
      storage: z.enum(['local', 's3']),
    }),
  ),
});
export type StorageReportJson = z.infer<typeof storageReportSchema>;
