/**
 * Where a recording's files live, in one place: its directory under the
 * storage root, the finished file, and the raw segments the bots wrote
 * (`recording.webm` for the first bot, `recording.<n>.webm` for the n-th
 * replacement after a bot crashed or hung).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const FINISHED_FILE = 'recording.webm';
export const THUMBNAIL_FILE = 'thumbnail.jpg';
export const METADATA_FILE = 'metadata.json';

export function recordingDir(storageDir: string, roomId: string, recordingId: string): string {
  return join(storageDir, roomId, recordingId);
}

/** The raw file of segment `index` (0: the first bot's, which is also the finished file's name). */
export function segmentPath(dir: string, index: number): string {
  return join(dir, index === 0 ? FINISHED_FILE : `recording.${index}.webm`);
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
