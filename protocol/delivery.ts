/**
 * The delivery contract shared by the server, the REST schemas and the UI:
 * the post-processing states of a recording's HLS renditions, where its
 * files are stored, and what the last integrity check found.
 */
export const hlsStatuses = ['pending', 'processing', 'ready', 'failed'] as const;
export type HlsStatusName = (typeof hlsStatuses)[number];

export const storageBackends = ['local', 's3'] as const;
export type StorageBackendName = (typeof storageBackends)[number];

/** `unchecked`: never verified since it was finalized; `corrupted`: a file no longer matches its SHA-256. */
export const integrityStates = ['unchecked', 'ok', 'corrupted'] as const;
export type IntegrityName = (typeof integrityStates)[number];

/** One HLS rendition as written into the master playlist. */
export interface HlsRendition {
  /** Folder name and id: `source` (the recording's own size) or e.g. `360p`. */
  name: string;
  width: number;
  height: number;
  /** Peak bits per second over the segments (the master playlist's BANDWIDTH). */
  bandwidth: number;
  averageBandwidth: number;
  /** RFC 6381 codecs, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
  /** Seconds of media (the sum of its segments). */
  durationSeconds: number;
  segments: number;
}

/** Socket.IO event to a recording's viewers while its HLS is produced. */
export interface HlsProgressEvent {
  recordingId: string;
  status: HlsStatusName;
  /** 0..1 over every rendition. */
  progress: number;
}
