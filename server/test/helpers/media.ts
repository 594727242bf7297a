/** Test media made with ffmpeg's synthetic sources (no files shipped in the repo). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs ffmpeg quietly, overwriting its output: `args` are the inputs, codecs and output. */
export async function ffmpegGenerate(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** Writes a VP8 (or VP9) + Opus WebM of `seconds` with a moving test pattern and a tone. */
export async function makeTestWebm(
  path: string,
  seconds = 3,
  { size = '320x240', codec = 'vp8' }: { size?: string; codec?: 'vp8' | 'vp9' } = {},
): Promise<void> {
  await ffmpegGenerate([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${size}:rate=30:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v',
    codec === 'vp9' ? 'libvpx-vp9' : 'libvpx',
    '-b:v',
    '500k',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
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
    'webm',
    path,
  ]);
}
