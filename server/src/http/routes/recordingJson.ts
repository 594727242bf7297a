/** The API's view of a recording, shaped by the REST contract. */
import type { RecordingParticipantRow, RecordingRow, RoomRow } from '#db/schema';
import type { AccessLevel, RecordingDetailJson, RecordingJson } from '#protocol/rest/recordings';
import { recordingLayoutSchema } from '#protocol/layout';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function recordingJson(
  row: RecordingRow,
  access: AccessLevel,
  room: RoomRow | undefined,
): RecordingJson {
  return {
    id: row.id,
    recordingId: row.id,
    roomId: row.roomId,
    roomTitle: room?.title ?? null,
    title: row.title,
    description: row.description,
    startedBy: row.startedBy,
    status: row.status,
    access,
    fileSize: row.fileSize,
    durationSeconds: row.durationSeconds,
    durationMs: row.durationMs,
    format: row.format,
    videoCodec: row.videoCodec,
    audioCodec: row.audioCodec,
    resolutionWidth: row.resolutionWidth,
    resolutionHeight: row.resolutionHeight,
    fps: row.fps,
    bitrate: row.bitrate,
    sha256: row.sha256,
    error: row.error,
    hasThumbnail: typeof row.metadata.thumbnail === 'string',
    interruptions: interruptionsOf(row.metadata),
    layout: layoutOf(row.metadata),
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    stoppedAt: iso(row.stoppedAt),
    completedAt: iso(row.completedAt),
    hls: row.hlsStatus
      ? {
          status: row.hlsStatus,
          progress: row.hlsProgress ?? 0,
          renditions: row.hlsRenditions ?? [],
          error: row.hlsError,
        }
      : null,
    storage: row.storage,
    storedBytes: row.storedBytes,
    integrity: row.integrity,
    verifiedAt: iso(row.verifiedAt),
    metadata: row.metadata,
  };
}

export function participantsJson(
  rows: readonly RecordingParticipantRow[],
): RecordingDetailJson['participants'] {
  return rows.map((p) => ({
    peerId: p.peerId,
    userId: p.userId,
    fullName: p.fullName,
    role: p.role,
    joinedAt: p.joinedAt.toISOString(),
    leftAt: iso(p.leftAt),
  }));
}

/** The layout in the metadata (rows from before layouts were grids). */
function layoutOf(metadata: Record<string, unknown>): RecordingJson['layout'] {
  const parsed = recordingLayoutSchema.safeParse(metadata.layout);
  return parsed.success ? parsed.data : 'grid';
}

/** The interruptions the recording service stored in the metadata (written by this server only). */
function interruptionsOf(metadata: Record<string, unknown>): RecordingJson['interruptions'] {
  const list = metadata.interruptions;
  return Array.isArray(list) ? (list as RecordingJson['interruptions']) : [];
}
