/**
 * Transcodes a finished recording into HLS renditions: H.264 + AAC in fMP4
 * (CMAF) segments, a VOD playlist per rendition and a master playlist.
 *
 * Why H.264/AAC and not the WebM's own VP9/Opus: Safari plays neither VP9
 * nor Opus in HLS and VP8 cannot go into fMP4 at all; H.264 + AAC plays in
 * every browser (through hls.js on MSE, natively on Apple devices).
 *
 * Every segment must start with a keyframe for a player to switch
 * renditions or seek into it: keyframes are forced exactly every segment
 * (`-g`/`-keyint_min` fixed, scene-cut detection off, and a forced keyframe
 * at each segment boundary). MediaRecorder's WebM declares a 1 kHz time base,
 * and ffmpeg would encode 1000 frames a second from it without `fps=` at the
 * head of the filter graph.
 *
 * One ffmpeg for all renditions (the VP9 is decoded once, then scaled per
 * output), at low priority (nice 19) so that live recordings on the same
 * machine keep their frames.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { HlsRendition } from '#protocol/delivery';
import { runTool } from '../recording/ffmpeg';

export const MASTER_PLAYLIST = 'master.m3u8';
export const VARIANT_PLAYLIST = 'index.m3u8';
export const INIT_SEGMENT = 'init.mp4';
/** The one audio rendition every video rendition shares (its folder and group id). */
export const AUDIO_RENDITION = 'audio';
export const AUDIO_BITRATE = 128_000;

export type X264Preset = 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';

export interface RenditionSpec {
  /** Folder name: `source` or e.g. `360p`. */
  name: string;
  /** Output height (the width follows the aspect ratio, even); null: the source's size. */
  height: number | null;
  /** CRF with a bitrate cap: a still slide costs little, a busy grid stays watchable. */
  crf: number;
  maxBitrate: number;
}

/** The recording's own size, and a low-resolution one (`lowHeight`, skipped when not smaller). */
export function renditionsFor(sourceHeight: number, lowHeight: number): RenditionSpec[] {
  const list: RenditionSpec[] = [{ name: 'source', height: null, crf: 23, maxBitrate: 3_000_000 }];
  if (lowHeight > 0 && lowHeight < sourceHeight) {
    list.push({
      name: `${lowHeight}p`,
      height: lowHeight,
      crf: 25,
      maxBitrate: 800_000,
    });
  }
  return list;
}

export interface TranscodeOptions {
  ffmpeg: string;
  /** The WebM: a path, or a stream of its bytes (a decrypted file). */
  input: string | (() => Readable);
  outDir: string;
  renditions: readonly RenditionSpec[];
  source: { width: number; height: number; durationMs: number };
  fps: number;
  segmentSeconds: number;
  preset: X264Preset;
  /** Whether the source has an audio track (then one shared AAC rendition is made). */
  audio: boolean;
  /** 0..1 over all renditions. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  niceness?: number;
}

/** Writes `outDir/<rendition>/…` and `outDir/master.m3u8`; resolves with the renditions as written. */
export async function transcodeHls(options: TranscodeOptions): Promise<HlsRendition[]> {
  const { outDir, renditions } = options;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  for (const name of [
    ...renditions.map((r) => r.name),
    ...(options.audio ? [AUDIO_RENDITION] : []),
  ]) {
    await mkdir(join(outDir, name), { recursive: true, mode: 0o700 });
  }
  const { input, source } = options;
  const durationUs = Math.max(1, source.durationMs * 1000);
  await runTool(
    options.ffmpeg,
    transcodeArgs(options, typeof input === 'string' ? input : 'pipe:0'),
    {
      timeoutMs: Math.max(10 * 60_000, source.durationMs * 4),
      niceness: options.niceness ?? 19,
      ...(typeof input === 'string' ? {} : { stdin: input() }),
      ...(options.signal ? { signal: options.signal } : {}),
      onStdoutLine: (line) => {
        const match = /^out_time_us=(\d+)/.exec(line);
        if (match) options.onProgress?.(Math.min(0.99, Number(match[1]) / durationUs));
      },
    },
  );
  const audio = options.audio ? await measureRendition(join(outDir, AUDIO_RENDITION)) : null;
  const written: HlsRendition[] = [];
  for (const spec of renditions) written.push(await describeRendition(options, spec, audio));
  await writeFile(
    join(outDir, MASTER_PLAYLIST),
    masterPlaylist(written, options.fps, audio !== null),
    {
      mode: 0o600,
    },
  );
  options.onProgress?.(1);
  return written;
}

function outputSize(spec: RenditionSpec, source: { width: number; height: number }) {
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  if (spec.height === null) return { width: even(source.width), height: even(source.height) };
  return {
    width: even((source.width * spec.height) / Math.max(1, source.height)),
    height: even(spec.height),
  };
}

/** The lowest H.264 level whose macroblock rate and frame size hold the rendition. */
export function h264Level(width: number, height: number, fps: number): string {
  const frameMbs = Math.ceil(width / 16) * Math.ceil(height / 16);
  const levels: Array<[string, number, number]> = [
    ['3.0', 1_620, 40_500],
    ['3.1', 3_600, 108_000],
    ['3.2', 5_120, 216_000],
    ['4.0', 8_192, 245_760],
    ['4.2', 8_704, 522_240],
    ['5.0', 22_080, 589_824],
    ['5.1', 36_864, 983_040],
    ['5.2', 36_864, 2_073_600],
  ];
  const fit = levels.find(([, maxFs, maxMbps]) => frameMbs <= maxFs && frameMbs * fps <= maxMbps);
  return (fit ?? levels[levels.length - 1]!)[0];
}

/** RFC 6381 string of H.264 High profile at `level` with AAC-LC. */
export function codecsString(level: string): string {
  const levelHex = Math.round(Number(level) * 10)
    .toString(16)
    .padStart(2, '0');
  return `avc1.6400${levelHex},mp4a.40.2`;
}

/** The ffmpeg arguments of one run writing every rendition (decoded once, scaled per output). */
export function transcodeArgs(
  options: Pick<
    TranscodeOptions,
    'renditions' | 'source' | 'fps' | 'segmentSeconds' | 'preset' | 'outDir' | 'audio'
  >,
  inputArg: string,
): string[] {
  const { renditions, source, fps, segmentSeconds, preset, outDir } = options;
  const hlsOutput = (dir: string) => [
    '-f',
    'hls',
    '-hls_time',
    String(segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments',
    '-hls_fmp4_init_filename',
    INIT_SEGMENT,
    '-hls_segment_filename',
    join(dir, 'seg_%05d.m4s'),
    '-y',
    join(dir, VARIANT_PLAYLIST),
  ];
  const gop = Math.max(1, Math.round(fps * segmentSeconds));
  const labels = renditions.map((_, i) => `v${i}`);
  const scaled = renditions.map((spec, i) => {
    const { width, height } = outputSize(spec, source);
    return `[s${i}]scale=${width}:${height}:flags=bicubic,format=yuv420p[${labels[i]}]`;
  });
  const split =
    renditions.length > 1
      ? `split=${renditions.length}${renditions.map((_, i) => `[s${i}]`).join('')}`
      : 'null[s0]';
  const graph = [`[0:v:0]fps=${fps},${split}`, ...scaled].join(';');
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    '-i',
    inputArg,
    '-filter_complex',
    graph,
  ];
  for (const [i, spec] of renditions.entries()) {
    const { width, height } = outputSize(spec, source);
    const dir = join(outDir, spec.name);
    args.push(
      '-map',
      `[${labels[i]}]`,
      '-an',
      '-c:v',
      'libx264',
      '-preset',
      preset,
      '-profile:v',
      'high',
      '-level:v',
      h264Level(width, height, fps),
      '-crf',
      String(spec.crf),
      '-maxrate',
      String(spec.maxBitrate),
      '-bufsize',
      String(spec.maxBitrate * 2),
      '-g',
      String(gop),
      '-keyint_min',
      String(gop),
      '-sc_threshold',
      '0',
      '-force_key_frames',
      `expr:gte(t,n_forced*${segmentSeconds})`,
      ...hlsOutput(dir),
    );
  }
  if (options.audio) {
    // Encoded once for every video rendition; the fast coder is a third of the default's CPU.
    args.push(
      '-map',
      '0:a:0',
      '-vn',
      '-c:a',
      'aac',
      '-aac_coder',
      'fast',
      '-b:a',
      String(AUDIO_BITRATE),
      '-ac',
      '2',
      '-ar',
      '48000',
      ...hlsOutput(join(outDir, AUDIO_RENDITION)),
    );
  }
  return args;
}

export interface ParsedVariant {
  segments: Array<{ uri: string; durationSeconds: number }>;
  mapUri: string | null;
  targetDuration: number;
}

/** The segments (URIs, EXTINF durations) and init segment of a VOD media playlist. */
export function parseVariantPlaylist(text: string): ParsedVariant {
  const segments: ParsedVariant['segments'] = [];
  let pending: number | null = null;
  let mapUri: string | null = null;
  let targetDuration = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-MAP:')) mapUri = /URI="([^"]+)"/.exec(line)?.[1] ?? null;
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22));
    else if (!line.startsWith('#')) {
      segments.push({ uri: line, durationSeconds: pending ?? 0 });
      pending = null;
    }
  }
  return { segments, mapUri, targetDuration };
}

interface MeasuredRendition {
  peak: number;
  average: number;
  seconds: number;
  segments: number;
}

/** Peak and average bits per second of a rendition's segments, and its length. */
async function measureRendition(dir: string): Promise<MeasuredRendition> {
  const playlist = parseVariantPlaylist(await readFile(join(dir, VARIANT_PLAYLIST), 'utf8'));
  if (playlist.segments.length === 0) throw new Error(`rendition ${dir} has no segments`);
  let peak = 0;
  let bytes = 0;
  let seconds = 0;
  for (const segment of playlist.segments) {
    const { size } = await stat(join(dir, segment.uri));
    bytes += size;
    seconds += segment.durationSeconds;
    // Segments shorter than a second (the last one) overstate the peak.
    if (segment.durationSeconds >= 1) peak = Math.max(peak, (size * 8) / segment.durationSeconds);
  }
  const average = seconds > 0 ? (bytes * 8) / seconds : 0;
  return { peak: Math.max(peak, average), average, seconds, segments: playlist.segments.length };
}

/** A video rendition as the master lists it: its bandwidth includes the shared audio's. */
async function describeRendition(
  options: TranscodeOptions,
  spec: RenditionSpec,
  audio: MeasuredRendition | null,
): Promise<HlsRendition> {
  const video = await measureRendition(join(options.outDir, spec.name));
  const { width, height } = outputSize(spec, options.source);
  const level = h264Level(width, height, options.fps);
  return {
    name: spec.name,
    width,
    height,
    bandwidth: Math.ceil(video.peak + (audio?.peak ?? 0)),
    averageBandwidth: Math.ceil(video.average + (audio?.average ?? 0)),
    codecs: audio ? codecsString(level) : codecsString(level).split(',')[0]!,
    durationSeconds: Math.round(video.seconds * 1000) / 1000,
    segments: video.segments,
  };
}

/**
 * The master playlist, highest rendition first (players start with the
 * first that fits); with `audio`, every video rendition names the one
 * shared audio rendition's group.
 */
export function masterPlaylist(
  renditions: readonly HlsRendition[],
  fps: number,
  audio = false,
): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${AUDIO_RENDITION}",NAME="Audio",DEFAULT=YES,` +
        `AUTOSELECT=YES,CHANNELS="2",URI="${AUDIO_RENDITION}/${VARIANT_PLAYLIST}"`,
    );
  }
  for (const r of [...renditions].sort((a, b) => b.height - a.height)) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${r.bandwidth},AVERAGE-BANDWIDTH=${r.averageBandwidth},` +
        `RESOLUTION=${r.width}x${r.height},FRAME-RATE=${fps.toFixed(3)},CODECS="${r.codecs}"` +
        (audio ? `,AUDIO="${AUDIO_RENDITION}"` : ''),
      `${r.name}/${VARIANT_PLAYLIST}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
