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
 * One ffmpeg for all video renditions (the VP9 is decoded once, then scaled
 * per output) and, beside it at the same time, one for the shared AAC
 * rendition (ffmpeg 5.1 encodes audio on its main thread, between the
 * video frames: apart, it is off the video's critical path, 12 % of the
 * time measured), both at low priority (nice 19) so that live recordings on
 * the same machine keep their frames.
 *
 * A recording whose video is already H.264 (`RECORDING_VIDEO_CODEC=h264`)
 * has its own-size rendition copied, not transcoded: the recorder puts a
 * keyframe every 2 s, the segmenter cuts at the first keyframe of each
 * segment, and the smaller renditions are encoded with keyframes forced at
 * exactly the source's keyframe times (frame times passed through, not
 * re-timed), so that every rendition is cut at the same instants.
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
  ffprobe: string;
  /** The finished file: a path, or a fresh stream of its bytes each call (a decrypted file). */
  input: string | (() => Promise<Readable>);
  /** The source's video is H.264: copy it as the own-size rendition. */
  copySourceVideo?: boolean;
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
  const keyframes = options.copySourceVideo ? await videoKeyframeTimes(options) : undefined;
  const copy =
    keyframes !== undefined &&
    keyframes.length > 0 &&
    forcedKeyframes(keyframes).length <= MAX_FORCED_KEYFRAMES_ARG;
  const inputArg = typeof input === 'string' ? input : 'pipe:0';
  // Either failing stops the other: the job fails as one and runs again as one.
  const both = new AbortController();
  const stopBoth = () => both.abort();
  if (options.signal?.aborted) stopBoth();
  options.signal?.addEventListener('abort', stopBoth, { once: true });
  const run = async (args: string[], onStdoutLine?: (line: string) => void) => {
    try {
      await runTool(options.ffmpeg, args, {
        timeoutMs: Math.max(10 * 60_000, source.durationMs * 4),
        niceness: options.niceness ?? 19,
        ...(typeof input === 'string' ? {} : { stdin: await input() }),
        signal: both.signal,
        ...(onStdoutLine ? { onStdoutLine } : {}),
      });
    } catch (error) {
      stopBoth();
      throw error;
    }
  };
  try {
    await Promise.all([
      run(
        transcodeArgs(
          { ...options, ...(copy ? { copySource: { keyframeTimes: keyframes } } : {}) },
          inputArg,
        ),
        (line) => {
          const match = /^out_time_us=(\d+)/.exec(line);
          if (match) options.onProgress?.(Math.min(0.99, Number(match[1]) / durationUs));
        },
      ),
      ...(options.audio ? [run(audioArgs(options, inputArg))] : []),
    ]);
  } finally {
    options.signal?.removeEventListener('abort', stopBoth);
  }
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

/** Linux refuses a single argument over 128 KiB: a longer keyframe list means transcoding instead. */
const MAX_FORCED_KEYFRAMES_ARG = 120_000;

/** `-force_key_frames` times, in seconds, comma-separated. */
function forcedKeyframes(times: readonly number[]): string {
  return times.map((t) => t.toFixed(3)).join(',');
}

/** The times (s) of a file's video keyframes, from the packets' flags (nothing is decoded). */
export async function videoKeyframeTimes(
  options: Pick<TranscodeOptions, 'ffprobe' | 'input' | 'niceness' | 'signal'>,
): Promise<number[]> {
  const { input } = options;
  const { stdout } = await runTool(
    options.ffprobe,
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=pts_time,flags',
      '-of',
      'csv=p=0',
      typeof input === 'string' ? input : 'pipe:0',
    ],
    {
      niceness: options.niceness ?? 19,
      ...(typeof input === 'string' ? {} : { stdin: await input() }),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  return stdout
    .split('\n')
    .map((line) => line.split(','))
    .filter(([time, flags]) => flags?.startsWith('K') && Number.isFinite(Number(time)))
    .map(([time]) => Number(time));
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

/**
 * The RFC 6381 `avc1.PPCCLL` of an init segment, from its `avcC` box
 * (profile, constraint flags, level as the stream declares them); null
 * without one.
 */
export function avcCodecOf(init: Uint8Array): string | null {
  const box = Buffer.from(init.buffer, init.byteOffset, init.byteLength).indexOf(
    'avcC',
    0,
    'latin1',
  );
  // After the type: configurationVersion (1), then profile, compatibility and level.
  if (box < 0 || box + 8 > init.byteLength || init[box + 4] !== 1) return null;
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `avc1.${hex(init[box + 5]!)}${hex(init[box + 6]!)}${hex(init[box + 7]!)}`;
}

/** RFC 6381 string of H.264 High profile at `level` with AAC-LC. */
export function codecsString(level: string): string {
  const levelHex = Math.round(Number(level) * 10)
    .toString(16)
    .padStart(2, '0');
  return `avc1.6400${levelHex},mp4a.40.2`;
}

/** One fMP4 VOD HLS output into `dir`. */
function hlsOutput(dir: string, segmentSeconds: number): string[] {
  return [
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
}

/** The ffmpeg arguments of the one AAC rendition every video rendition shares. */
export function audioArgs(
  options: Pick<TranscodeOptions, 'segmentSeconds' | 'outDir'>,
  inputArg: string,
): string[] {
  // The fast coder is a third of the default's CPU.
  // prettier-ignore
  return [
    '-hide_banner', '-loglevel', 'error', '-nostats', '-i', inputArg,
    '-map', '0:a:0', '-vn', '-c:a', 'aac', '-aac_coder', 'fast',
    '-b:a', String(AUDIO_BITRATE), '-ac', '2', '-ar', '48000',
    ...hlsOutput(join(options.outDir, AUDIO_RENDITION), options.segmentSeconds),
  ];
}

/**
 * The ffmpeg arguments of one run writing every video rendition (decoded
 * once, scaled per output). With `copySource`, the own-size rendition is
 * the source's H.264 copied, and the others get keyframes at its keyframe
 * times.
 */
export function transcodeArgs(
  options: Pick<
    TranscodeOptions,
    'renditions' | 'source' | 'fps' | 'segmentSeconds' | 'preset' | 'outDir'
  > & { copySource?: { keyframeTimes: readonly number[] } },
  inputArg: string,
): string[] {
  const { renditions, source, fps, segmentSeconds, preset, outDir, copySource } = options;
  const gop = Math.max(1, Math.round(fps * segmentSeconds));
  const copied = (spec: RenditionSpec) => copySource !== undefined && spec.height === null;
  const encoded = renditions.filter((spec) => !copied(spec));
  const labels = new Map(encoded.map((spec, i) => [spec, `v${i}`]));
  const scaled = encoded.map((spec, i) => {
    const { width, height } = outputSize(spec, source);
    // Bilinear: measured a fifth faster than bicubic for 720p → 360p at the same SSIM (0.970).
    return `[s${i}]scale=${width}:${height}:flags=bilinear,format=yuv420p[v${i}]`;
  });
  const split =
    encoded.length > 1
      ? `split=${encoded.length}${encoded.map((_, i) => `[s${i}]`).join('')}`
      : 'null[s0]';
  // Copying keeps the source's frame times, so the encoded renditions keep them too (no fps=).
  const head = copySource ? '[0:v:0]' : `[0:v:0]fps=${fps},`;
  const graph = encoded.length > 0 ? [`${head}${split}`, ...scaled].join(';') : null;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    '-i',
    inputArg,
    ...(graph ? ['-filter_complex', graph] : []),
  ];
  for (const spec of renditions) {
    const { width, height } = outputSize(spec, source);
    const dir = join(outDir, spec.name);
    if (copied(spec)) {
      args.push('-map', '0:v:0', '-an', '-c:v', 'copy', ...hlsOutput(dir, segmentSeconds));
      continue;
    }
    // Keyframes where the copied rendition has them (and nowhere else), or one per segment.
    const keyframes = copySource
      ? [
          '-fps_mode',
          'passthrough',
          '-g',
          String(gop * 4),
          '-keyint_min',
          String(gop * 4),
          '-force_key_frames',
          forcedKeyframes(copySource.keyframeTimes),
        ]
      : [
          '-g',
          String(gop),
          '-keyint_min',
          String(gop),
          '-force_key_frames',
          `expr:gte(t,n_forced*${segmentSeconds})`,
        ];
    args.push(
      '-map',
      `[${labels.get(spec)!}]`,
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
      '-sc_threshold',
      '0',
      ...keyframes,
      ...hlsOutput(dir, segmentSeconds),
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
  const dir = join(options.outDir, spec.name);
  const video = await measureRendition(dir);
  const { width, height } = outputSize(spec, options.source);
  // What the stream really is (a copied rendition has the recorder's profile and level).
  const avc =
    avcCodecOf(await readFile(join(dir, INIT_SEGMENT))) ??
    codecsString(h264Level(width, height, options.fps)).split(',')[0]!;
  return {
    name: spec.name,
    width,
    height,
    bandwidth: Math.ceil(video.peak + (audio?.peak ?? 0)),
    averageBandwidth: Math.ceil(video.average + (audio?.average ?? 0)),
    codecs: audio ? `${avc},mp4a.40.2` : avc,
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
