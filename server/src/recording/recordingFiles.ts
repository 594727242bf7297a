/**
 * Where a recording's files live, in one place: its directory under the
 * storage root, the finished file, and the raw segments the bots wrote
 * (`recording.webm` for the first bot, `recording.<n>.webm` for the n-th
 * replacement after a bot crashed or hung; Matroska from Chromium's WebM
 * muxer whatever the codec).
 *
 * The finished file is a WebM (VP8/VP9 + Opus), or an MP4 (H.264 + Opus,
 * `moov` first) when the recorder encoded H.264, which WebM cannot hold.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const FINISHED_FORMATS = ['webm', 'mp4'] as const;
export type FinishedFormat = (typeof FINISHED_FORMATS)[number];

/** The first bot's raw segment; also the finished file of a WebM recording. */
export const RAW_FILE = 'recording.webm';
const FINISHED_FILES: Record<FinishedFormat, string> = {
  webm: RAW_FILE,
  mp4: 'recording.mp4',
};
const CONTENT_TYPES: Record<FinishedFormat, 'video/webm' | 'video/mp4'> = {
  webm: 'video/webm',
  mp4: 'video/mp4',
};

/** The container a finished recording of this video codec is written in. */
export function formatForCodec(videoCodec: string | null | undefined): FinishedFormat {
  return videoCodec === 'h264' ? 'mp4' : 'webm';
}

/** A row's `format`, read defensively (rows finalized before MP4 existed say `webm`). */
export function finishedFormatOf(format: string | null | undefined): FinishedFormat {
  return format === 'mp4' ? 'mp4' : 'webm';
}

/** The finished file's name inside the recording's directory. */
export function finishedFile(format: string | null | undefined): string {
  return FINISHED_FILES[finishedFormatOf(format)];
}

export function finishedContentType(format: string | null | undefined): 'video/webm' | 'video/mp4' {
  return CONTENT_TYPES[finishedFormatOf(format)];
}

export const THUMBNAIL_FILE = 'thumbnail.jpg';
export const METADATA_FILE = 'metadata.json';

export function recordingDir(storageDir: string, roomId: string, recordingId: string): string {
  return join(storageDir, roomId, recordingId);
}

/** The raw file of segment `index` (0: the first bot's, which is also the finished file's name). */
export function segmentPath(dir: string, index: number): string {
  return join(dir, index === 0 ? RAW_FILE : `recording.${index}.webm`);
}

export interface SegmentFile {
  index: number;
  path: string;
  size: number;
}

/** The raw segments on disk, in order, empty ones left out. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: SegmentFile[] = [];
  for (const name of names) {
    const match = /^recording(?:\.(\d+))?\.webm$/.exec(name);
    if (!match) continue;
    const index = match[1] ? Number(match[1]) : 0;
    const path = join(dir, name);
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    if (size > 0) found.push({ index, path, size });
  }
  return found.sort((a, b) => a.index - b.index);
}
