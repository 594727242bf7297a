/**
 * Turns the raw MediaRecorder WebM (no duration, no cues: not seekable) into
 * the deliverable: an ffmpeg stream-copy remux (which writes duration and
 * cues; into an MP4 with its index first when the video is H.264, which
 * WebM cannot hold), ffprobe facts, its SHA-256, a thumbnail from the
 * middle, and a metadata.json beside it. The raw file is kept until the
 * remux succeeded.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { probe, runTool, type ProbeResult } from './ffmpeg';
import {
  finishedFile,
  formatForCodec,
  METADATA_FILE,
  THUMBNAIL_FILE,
  type FinishedFormat,
} from './recordingFiles';

export interface FinalizeOptions {
  ffmpeg: string;
  ffprobe: string;
  /** The raw file as written from the slices (or a finished file, finalized again). */
  rawPath: string;
  /** The recording's directory: the finished file goes there, named by its format. */
  dir: string;
  metadata: Record<string, unknown>;
}

export interface FinalizeResult {
  path: string;
  format: FinishedFormat;
  fileSize: number;
  sha256: string;
  probe: ProbeResult;
  thumbnailPath: string | null;
  metadataPath: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Joins the raw segments of one recording (one per recorder bot, when a bot
 * was replaced) into one raw WebM, in order and without re-encoding: each
 * segment is remuxed first so that it carries its duration (MediaRecorder
 * writes none, and ffmpeg's concat demuxer needs it to place the next one),
 * then the concat demuxer appends them. The segments are removed once the
 * joined file is written. Resolves with its path.
 */
export async function joinSegments({
  ffmpeg,
  segments,
  outputPath,
}: {
  ffmpeg: string;
  segments: readonly string[];
  outputPath: string;
}): Promise<string> {
  const dir = dirname(outputPath);
  const fixed: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const target = join(dir, `.segment-${index}.mkv`);
    await remux(ffmpeg, segment, target);
    fixed.push(target);
  }
  const list = join(dir, '.segments.txt');
  await writeFile(list, fixed.map((f) => `file '${f.replace(/'/g, "'\\''")}'\n`).join(''), {
    mode: 0o600,
  });
  await copyTo(ffmpeg, ['-f', 'concat', '-safe', '0', '-i', list], outputPath, 'matroska');
  await Promise.all([...fixed, list, ...segments].map((f) => rm(f, { force: true })));
  return outputPath;
}

/**
 * Stream-copy remux: writes duration and cues (or the MP4 index);
 * tolerates a truncated last cluster. Intermediate files are Matroska,
 * which holds every codec the recorder writes.
 */
async function remux(
  ffmpeg: string,
  input: string,
  output: string,
  container: 'matroska' | FinishedFormat = 'matroska',
): Promise<void> {
  await rm(output, { force: true });
  // Slices end where MediaRecorder cut them: tolerate a truncated last cluster.
  await copyTo(ffmpeg, ['-fflags', '+genpts+discardcorrupt', '-i', input], output, container);
}

/** Copies every stream of the input (given by `inputArgs`) into `output`, 0600. */
async function copyTo(
  ffmpeg: string,
  inputArgs: string[],
  output: string,
  container: 'matroska' | FinishedFormat,
): Promise<void> {
  await runTool(ffmpeg, [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    ...inputArgs,
    '-map',
    '0',
    '-c',
    'copy',
    // The index first: a player (or ffmpeg reading a pipe) needs it before the media.
    ...(container === 'mp4' ? ['-movflags', '+faststart'] : []),
    '-f',
    container,
    '-y',
    output,
  ]);
  await chmod(output, 0o600);
}

export async function finalizeRecording(options: FinalizeOptions): Promise<FinalizeResult> {
  const { ffmpeg, ffprobe, rawPath, dir } = options;
  // The container follows what the recorder encoded (a recovered recording may predate a config change).
  const format = formatForCodec((await probe(ffprobe, rawPath)).video?.codec);
  const outputPath = join(dir, finishedFile(format));
  const tmp = join(dir, `.remux.${format}`);
  await remux(ffmpeg, rawPath, tmp, format);
  await rename(tmp, outputPath);
  if (rawPath !== outputPath) await rm(rawPath, { force: true });

  const facts = await probe(ffprobe, outputPath);
  const [{ size }, sha256] = await Promise.all([stat(outputPath), sha256File(outputPath)]);

  let thumbnailPath: string | null = join(dir, THUMBNAIL_FILE);
  try {
    const at = facts.durationMs ? (facts.durationMs / 2000).toFixed(3) : '0';
    await runTool(ffmpeg, [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-ss',
      at,
      '-i',
      outputPath,
      '-frames:v',
      '1',
      '-vf',
      'scale=640:-2',
      '-q:v',
      '4',
      '-y',
      thumbnailPath,
    ]);
    await chmod(thumbnailPath, 0o600);
  } catch {
    // A recording without video frames has no thumbnail; that is not a failure.
    thumbnailPath = null;
  }

  const metadataPath = join(dir, METADATA_FILE);
  await writeFile(
    metadataPath,
    `${JSON.stringify({ ...options.metadata, file: { size, sha256 }, probe: facts }, null, 2)}\n`,
    { mode: 0o600 },
  );
  return {
    path: outputPath,
    format,
    fileSize: size,
    sha256,
    probe: facts,
    thumbnailPath,
    metadataPath,
  };
}
