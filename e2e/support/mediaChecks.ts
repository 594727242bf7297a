/**
 * Checks of a recorded file with the real ffprobe/ffmpeg: stream facts,
 * decoded frame count, loudness, and the picture inside each grid cell of
 * a frame taken from the middle.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gridCells, type Rect } from '#recorder-page/layout';

const run = promisify(execFile);

export interface FileFacts {
  durationSeconds: number;
  video: { codec: string; width: number; height: number; frames: number }[];
  audio: { codec: string; sampleRate: number; channels: number }[];
}

interface ProbeJson {
  format: { duration: string };
  streams: Array<{
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    sample_rate?: string;
    channels?: number;
    nb_read_frames?: string;
  }>;
}

/** Stream facts, with video frames counted by decoding the whole file. */
export async function probeFile(path: string): Promise<FileFacts> {
  const { stdout } = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      path,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const json = JSON.parse(stdout) as ProbeJson;
  return {
    durationSeconds: Number(json.format.duration),
    video: json.streams
      .filter((s) => s.codec_type === 'video')
      .map((s) => ({
        codec: s.codec_name,
        width: s.width ?? 0,
        height: s.height ?? 0,
        frames: Number(s.nb_read_frames ?? 0),
      })),
    audio: json.streams
      .filter((s) => s.codec_type === 'audio')
      .map((s) => ({
        codec: s.codec_name,
        sampleRate: Number(s.sample_rate ?? 0),
        channels: s.channels ?? 0,
      })),
  };
}

/** Mean and max volume in dBFS (ffmpeg's volumedetect). */
export async function loudness(path: string): Promise<{ meanDb: number; maxDb: number }> {
  const { stderr } = await run('ffmpeg', [
    '-hide_banner',
    '-nostats',
    '-i',
    path,
    '-map',
    '0:a:0',
    '-af',
    'volumedetect',
    '-f',
    'null',
    '-',
  ]);
  const mean = /mean_volume: (-?[\d.]+|-inf) dB/.exec(stderr)?.[1];
  const max = /max_volume: (-?[\d.]+|-inf) dB/.exec(stderr)?.[1];
  const num = (v: string | undefined) => (v === undefined || v === '-inf' ? -Infinity : Number(v));
  return { meanDb: num(mean), maxDb: num(max) };
}

export interface CellStats {
  cell: Rect;
  /** Standard deviation of luma inside the cell: a flat placeholder is close to 0. */
  stddev: number;
  mean: number;
  /** Downscaled luma (16x9) for comparing cells with each other. */
  thumbnail: number[];
}

/** Decodes one grayscale frame at `atSeconds` and measures each of `tiles` grid cells. */
export async function gridCellStats(
  path: string,
  atSeconds: number,
  { width, height, tiles }: { width: number; height: number; tiles: number },
): Promise<CellStats[]> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-ss',
      atSeconds.toFixed(2),
      '-i',
      path,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: width * height * 2 },
  );
  const frame = stdout as unknown as Buffer;
  if (frame.length < width * height)
    throw new Error(`decoded ${frame.length} bytes, expected ${width * height}`);
  return gridCells(tiles, { width, height }).map((cell) => {
    // Measure the middle of the cell: labels sit at its edges.
    const x0 = Math.round(cell.x + cell.width * 0.2);
    const x1 = Math.round(cell.x + cell.width * 0.8);
    const y0 = Math.round(cell.y + cell.height * 0.2);
    const y1 = Math.round(cell.y + cell.height * 0.8);
    let sum = 0;
    let sumSq = 0;
    let n = 0;
    const thumb = new Array<number>(16 * 9).fill(0);
    const counts = new Array<number>(16 * 9).fill(0);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const v = frame[y * width + x]!;
        sum += v;
        sumSq += v * v;
        n += 1;
        const tx = Math.min(15, Math.floor(((x - x0) / (x1 - x0)) * 16));
        const ty = Math.min(8, Math.floor(((y - y0) / (y1 - y0)) * 9));
        thumb[ty * 16 + tx]! += v;
        counts[ty * 16 + tx]! += 1;
      }
    }
    const mean = sum / n;
    return {
      cell,
      mean,
      stddev: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
      thumbnail: thumb.map((t, i) => t / Math.max(1, counts[i]!)),
    };
  });
}

/** Mean absolute difference of two cells' thumbnails (0-255). */
export function thumbnailDistance(a: { thumbnail: number[] }, b: { thumbnail: number[] }): number {
  let d = 0;
  for (let i = 0; i < a.thumbnail.length; i++) d += Math.abs(a.thumbnail[i]! - b.thumbnail[i]!);
  return d / a.thumbnail.length;
}

/** A region as fractions of the picture (0–1). */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RegionStats {
  /** Mean R, G, B (0–255). */
  rgb: [number, number, number];
  /** Downscaled luma (16x9) for comparing regions with each other. */
  thumbnail: number[];
}

/** The mean colour and a small luma thumbnail of `region` in the frame at `atSeconds`. */
export async function regionStats(
  path: string,
  atSeconds: number,
  region: Region,
): Promise<RegionStats> {
  const w = 160;
  const h = 90;
  const { stdout } = await run(
    'ffmpeg',
    // prettier-ignore
    ['-hide_banner', '-loglevel', 'error', '-ss', atSeconds.toFixed(2), '-i', path,
      '-frames:v', '1', '-vf', `scale=${w}:${h}:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: w * h * 4 },
  );
  const frame = stdout as unknown as Buffer;
  if (frame.length < w * h * 3) throw new Error(`decoded ${frame.length} bytes`);
  const x0 = Math.floor(region.x * w);
  const x1 = Math.ceil((region.x + region.width) * w);
  const y0 = Math.floor(region.y * h);
  const y1 = Math.ceil((region.y + region.height) * h);
  const sum = [0, 0, 0];
  const thumb = new Array<number>(16 * 9).fill(0);
  const counts = new Array<number>(16 * 9).fill(0);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) sum[c]! += frame[i + c]!;
      const luma = 0.299 * frame[i]! + 0.587 * frame[i + 1]! + 0.114 * frame[i + 2]!;
      const t =
        Math.min(8, Math.floor(((y - y0) / (y1 - y0)) * 9)) * 16 +
        Math.min(15, Math.floor(((x - x0) / (x1 - x0)) * 16));
      thumb[t]! += luma;
      counts[t]! += 1;
    }
  }
  const n = (x1 - x0) * (y1 - y0);
  return {
    rgb: sum.map((v) => Math.round(v / n)) as [number, number, number],
    thumbnail: thumb.map((v, i) => v / Math.max(1, counts[i]!)),
  };
}
