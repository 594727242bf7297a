/**
 * The signalling protocol between browsers and the server, over Socket.IO.
 * One file, imported by both sides: request names with their zod payload
 * schemas and result types, and server-to-client events with their payloads.
 *
 * Every request is `socket.emit(name, payload, ack)`; every ack is an
 * `AckResponse`: `{ ok: true, data }` or `{ ok: false, error: { code, message } }`.
 */
import type { HlsProgressEvent } from './delivery';
import type { RecordingLayout } from './layout';
import { z } from 'zod';
import { ROOM_ID_MESSAGE, ROOM_ID_PATTERN } from '#protocol/ids';

export const roomIdSchema = z.string().regex(ROOM_ID_PATTERN, ROOM_ID_MESSAGE);

const idSchema = z.string().min(1).max(128);
const looseObject = z.record(z.string(), z.unknown());

const dtlsParametersSchema = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.object({ algorithm: z.string().min(1), value: z.string().min(1) }))
    .min(1)
    .max(8),
});

const rtpParametersSchema = z.looseObject({
  mid: z.string().optional(),
  codecs: z.array(looseObject).min(1).max(32),
  headerExtensions: z.array(looseObject).max(32).optional(),
  encodings: z.array(looseObject).max(8).optional(),
  rtcp: looseObject.optional(),
});

const rtpCapabilitiesSchema = z.looseObject({
  codecs: z.array(looseObject).max(128).optional(),
  headerExtensions: z.array(looseObject).max(128).optional(),
});

export const mediaSourceSchema = z.enum(['camera', 'mic', 'screen']);
export type MediaSource = z.infer<typeof mediaSourceSchema>;

/**
 * The one media kind each source may carry. The server refuses a `produce`
 * whose kind does not match, and a second producer of the same source for
 * the same peer (a peer has at most one camera, one mic, one screen share).
 */
export const mediaSourceKind = {
  camera: 'video',
  mic: 'audio',
  screen: 'video',
} as const satisfies Record<MediaSource, 'audio' | 'video'>;

/** Request payload schemas, keyed by request name. */
export const requestSchemas = {
  join: z.object({ roomId: roomIdSchema }),
  createTransport: z.object({ direction: z.enum(['send', 'recv']) }),
  connectTransport: z.object({ transportId: idSchema, dtlsParameters: dtlsParametersSchema }),
  produce: z.object({
    transportId: idSchema,
    kind: z.enum(['audio', 'video']),
    rtpParameters: rtpParametersSchema,
    source: mediaSourceSchema,
  }),
  consume: z.object({
    transportId: idSchema,
    producerId: idSchema,
    rtpCapabilities: rtpCapabilitiesSchema,
  }),
  resumeConsumer: z.object({ consumerId: idSchema }),
  /** Stops a consumer's media (a recorder's tile that is not shown: nothing to decode). */
  pauseConsumer: z.object({ consumerId: idSchema }),
  pauseProducer: z.object({ producerId: idSchema }),
  resumeProducer: z.object({ producerId: idSchema }),
  closeProducer: z.object({ producerId: idSchema }),
  leave: z.object({}).optional(),
} as const;

export type RequestName = keyof typeof requestSchemas;
export type RequestPayload<N extends RequestName> = z.input<(typeof requestSchemas)[N]>;

/** A role as seen in a room. RECORDER peers are never shown to others. */
export type PeerRole = 'student' | 'instructor' | 'admin' | 'recorder';

export interface PeerInfo {
  peerId: string;
  userId: string | null;
  displayName: string;
  role: PeerRole;
}

export interface ProducerInfo {
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  paused: boolean;
}

export interface ActiveRecordingInfo {
  recordingId: string;
  title: string;
  startedBy: string;
  timestamp: string;
  /** Its layout now (later changes come as `recording-layout`). */
  layout: RecordingLayout;
}

export interface TransportInfo {
  id: string;
  iceParameters: unknown;
  iceCandidates: unknown[];
  dtlsParameters: unknown;
}

export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  rtpParameters: unknown;
  producerPaused: boolean;
}

/** Result types, keyed by request name. */
export interface RequestResults {
  join: {
    self: PeerInfo;
    rtpCapabilities: unknown;
    peers: PeerInfo[];
    producers: ProducerInfo[];
    recording: ActiveRecordingInfo | null;
    /**
     * The room's current dominant speaker (the same peer id as the last
     * `active-speaker` event), or null before anyone has spoken or after the
     * dominant speaker's mic went away. Later changes come as `active-speaker`.
     */
    activeSpeakerPeerId: string | null;
  };
  createTransport: TransportInfo;
  connectTransport: Record<string, never>;
  produce: { producerId: string };
  consume: ConsumerInfo;
  resumeConsumer: Record<string, never>;
  pauseConsumer: Record<string, never>;
  pauseProducer: Record<string, never>;
  resumeProducer: Record<string, never>;
  closeProducer: Record<string, never>;
  leave: Record<string, never>;
}

export interface AckError {
  code: string;
  message: string;
}

export type AckResponse<T> = { ok: true; data: T } | { ok: false; error: AckError };

/** Server-to-client events and their payloads. */
export interface ServerEvents {
  'peer-joined': PeerInfo;
  'peer-left': { peerId: string };
  'new-producer': ProducerInfo;
  'producer-closed': { producerId: string; peerId: string };
  'producer-paused': { producerId: string; peerId: string };
  'producer-resumed': { producerId: string; peerId: string };
  'consumer-closed': { consumerId: string; producerId: string };
  /**
   * The room's dominant speaker changed, as mediasoup's ActiveSpeakerObserver
   * decides from the audio levels of every mic (browsers and synthetic
   * participants alike). Sent to everyone in the room, the speaker included,
   * only on a change; a joiner gets the current one in the join answer. Not
   * sent when the dominant speaker leaves: the next change names someone else.
   */
  'active-speaker': { peerId: string };
  /**
   * The room ended on the server; the socket stays connected, out of any room.
   * `reason`: 'media-worker-died' (its media worker crashed; joining again
   * opens it on another worker) or 'server-shutdown'.
   */
  'room-closed': { reason: string };
  'recording-started': ActiveRecordingInfo;
  'recording-stopped': {
    recordingId: string;
    duration: number | null;
    fileSize: number | null;
    timestamp: string;
  };
  'recording-error': { recordingId: string; error: string; timestamp: string };
  'recording-ready': { recordingId: string; status: string };
  /**
   * A recording this user may view changed (status, title, shares) or was
   * deleted; sent to every socket of its viewers, in a room or not. Read the
   * recording again over REST for what changed.
   */
  'recording-updated': { recordingId: string; status: string; deleted: boolean };
  /** Progress of a recording's HLS renditions, to its owner (and admins) while they are made. */
  'recording-hls-progress': HlsProgressEvent;
  /** The owner changed the layout of the room's recording in progress (the recorder page draws it). */
  'recording-layout': { recordingId: string; layout: RecordingLayout };
}

export type ServerEventName = keyof ServerEvents;
