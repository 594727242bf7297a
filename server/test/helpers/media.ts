/** Test media made with ffmpeg's synthetic sources (no files shipped in the repo). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs ffmpeg quietly, overwriting its output: `args` are the inputs, codecs and output. */
export async function ffmpegGenerate(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** Writes a VP8 (or VP9, or H.264 in Matroska) + Opus WebM of `seconds` with a moving test pattern and a tone. */
export async function makeTestWebm(
  path: string,
  seconds = 3,
  { size = '320x240', codec = 'vp8' }: { size?: string; codec?: 'vp8' | 'vp9' | 'h264' } = {},
): Promise<void> {
  // H.264 as Chromium's recorder writes it: Constrained Baseline in Matroska, a keyframe every 2 s.
  const video =
    codec === 'h264'
      ? [
          '-c:v',
          'libx264',
          '-profile:v',
          'baseline',
          '-preset',
          'veryfast',
          '-b:v',
          '500k',
          '-force_key_frames',
          'expr:gte(t,n_forced*2)',
        ]
      : [
          '-c:v',
          codec === 'vp9' ? 'libvpx-vp9' : 'libvpx',
          '-b:v',
          '500k',
          '-deadline',
          'realtime',
          '-cpu-used',
          '8',
        ];
  await ffmpegGenerate([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=30:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    ...video,
    '-c:a',
    'libopus',
    '-b:a',
    '64k',
    // Like MediaRecorder's output: a live (unseekable) stream without cues.
    '-live',
    '1',
    '-cluster_time_limit',
    '1000',
    '-f',
    codec === 'h264' ? 'matroska' : 'webm',
    path,
  ]);
}
