/**
 * Audio/video offset of a recording, from a `sync` participant (see
 * `SYNC_*` in the synthetic participants): its picture flashes white while
 * a beep sounds, once a second. The flashes are found in its region of the
 * composite (the mean luma of every frame, as recorded: no frame rate
 * conversion), the beeps in the mixed audio (high-passed far above every
 * other participant's tone, then the first sample over half the beeps'
 * typical peak), and each flash is paired with the nearest beep.
 *
 * Sign convention: offset = beep time − flash time. Positive means the sound
 * comes after the picture ("audio late"), as EBU R37 counts it (at most
 * +60 ms late, −40 ms early).
 */
import { spawn } from 'node:child_process';
import type { Rect } from '#recorder-page/layout';

export interface LipSyncReport {
  flashes: number;
  beeps: number;
  pairs: number;
  /** Median offset, ms (positive: audio late). */
  medianMs: number | null;
  p05Ms: number | null;
  p95Ms: number | null;
  minMs: number | null;
  maxMs: number | null;
  /** p95 − p05: how much the offset moves over the recording. */
  spreadMs: number | null;
  /** Least-squares slope of offset over time: a clock that drifts. */
  driftMsPerMinute: number | null;
  /** Every pair, for windows and plots: [flash time s, offset ms]. */
  samples: Array<[number, number]>;
}

/** Flashes or beeps closer than this to the nearest of the other kind are paired. */
const MAX_PAIR_DISTANCE_S = 0.45;
/** A mark starts only after this long without one (the marks come once a second). */
const MIN_MARK_GAP_S = 0.5;

/** Runs ffmpeg and collects its stdout (as text or bytes). */
function ffmpegOutput(ffmpeg: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`ffmpeg exited ${code}: ${stderr.trim()}`));
    });
  });
}

/** Start times (s) of the flashes inside `region` of the file's video. */
export async function findFlashes(ffmpeg: string, file: string, region: Rect): Promise<number[]> {
  const crop = `crop=${region.width}:${region.height}:${region.x}:${region.y}`;
  const text = (
    await ffmpegOutput(ffmpeg, [
      '-i',
      file,
      '-map',
      '0:v:0',
      '-vf',
      `${crop},signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-`,
      // Every recorded frame at its own time: no duplicates, no drops.
      '-fps_mode',
      'passthrough',
      '-f',
      'null',
      '-',
    ])
  ).toString('utf8');
  const frames: Array<[number, number]> = [];
  let time: number | null = null;
  for (const line of text.split('\n')) {
    const pts = /pts_time:(-?[\d.]+)/.exec(line);
    if (pts) time = Number(pts[1]);
    const luma = /YAVG=([\d.]+)/.exec(line);
    if (luma && time !== null) frames.push([time, Number(luma[1])]);
  }
  if (frames.length === 0) return [];
  // Half-way between the dark picture and the flash, whatever the encoder did to both.
  const lumas = frames.map(([, y]) => y).sort((a, b) => a - b);
  const dark = lumas[Math.floor(lumas.length * 0.1)]!;
  const bright = lumas[Math.floor(lumas.length * 0.99)]!;
  if (bright - dark < 40) return [];
  const threshold = (dark + bright) / 2;
  const flashes: number[] = [];
  let lastLit = -Infinity;
  for (const [t, y] of frames) {
    if (y < threshold) continue;
    if (t - lastLit > MIN_MARK_GAP_S) flashes.push(t);
    lastLit = t;
  }
  return flashes;
}

const SAMPLE_RATE = 48_000;

/** Start times (s) of the beeps in the file's (mixed) audio. */
export async function findBeeps(ffmpeg: string, file: string, beepHz: number): Promise<number[]> {
  // Three 2-pole high-passes an octave under the beep: every participant's
  // tone (300–2000 Hz) is 50+ dB down, the beep's onset delayed by < 0.2 ms.
  const cutoff = Math.round(beepHz / 1.5);
  const pcm = await ffmpegOutput(ffmpeg, [
    '-i',
    file,
    '-map',
    '0:a:0',
    '-af',
    `highpass=f=${cutoff},highpass=f=${cutoff},highpass=f=${cutoff}`,
    '-ac',
    '1',
    '-ar',
    String(SAMPLE_RATE),
    '-f',
    'f32le',
    '-',
  ]);
  const samples = new Float32Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.byteLength / 4));
  // Peak per millisecond, then the level the beeps typically reach.
  const block = SAMPLE_RATE / 1000;
  const peaks = new Float32Array(Math.floor(samples.length / block));
  for (let b = 0; b < peaks.length; b++) {
    let peak = 0;
    for (let i = b * block; i < (b + 1) * block; i++) peak = Math.max(peak, Math.abs(samples[i]!));
    peaks[b] = peak;
  }
  const sorted = Float32Array.from(peaks).sort();
  // The beeps fill 10 % of the time: the 95th percentile is a beep's level.
  const loud = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
  const quiet = sorted[Math.floor(sorted.length * 0.5)] ?? 0;
  if (loud <= 0 || loud < quiet * 4) return [];
  const threshold = loud / 2;
  const beeps: number[] = [];
  let lastLoud = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) < threshold) continue;
    const t = i / SAMPLE_RATE;
    if (t - lastLoud > MIN_MARK_GAP_S) beeps.push(t);
    lastLoud = t;
  }
  return beeps;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Pairs each flash with the nearest beep and summarizes the offsets. */
export function pairMarks(flashes: readonly number[], beeps: readonly number[]): LipSyncReport {
  const samples: Array<[number, number]> = [];
  let j = 0;
  for (const flash of flashes) {
    while (j + 1 < beeps.length && Math.abs(beeps[j + 1]! - flash) <= Math.abs(beeps[j]! - flash))
      j++;
    const beep = beeps[j];
    if (beep !== undefined && Math.abs(beep - flash) <= MAX_PAIR_DISTANCE_S) {
      samples.push([round(flash, 3), round((beep - flash) * 1000)]);
    }
  }
  const offsets = samples.map(([, ms]) => ms).sort((a, b) => a - b);
  const at = (q: number) =>
    offsets.length === 0
      ? null
      : offsets[Math.min(offsets.length - 1, Math.floor(q * offsets.length))]!;
  const p05 = at(0.05);
  const p95 = at(0.95);
  return {
    flashes: flashes.length,
    beeps: beeps.length,
    pairs: samples.length,
    medianMs: at(0.5),
    p05Ms: p05,
    p95Ms: p95,
    minMs: offsets[0] ?? null,
    maxMs: offsets.at(-1) ?? null,
    spreadMs: p05 === null || p95 === null ? null : round(p95 - p05),
    driftMsPerMinute: slope(samples),
    samples,
  };
}

/** Least-squares slope (ms per minute) of offset against time; null under 3 samples. */
function slope(samples: ReadonlyArray<[number, number]>): number | null {
  if (samples.length < 3) return null;
  const n = samples.length;
  const meanT = samples.reduce((s, [t]) => s + t, 0) / n;
  const meanO = samples.reduce((s, [, o]) => s + o, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, o] of samples) {
    num += (t - meanT) * (o - meanO);
    den += (t - meanT) ** 2;
  }
  return den === 0 ? null : round((num / den) * 60, 2);
}

/** The offset report of a recording whose sync participant filled `region`. */
export async function lipSync(
  ffmpeg: string,
  file: string,
  region: Rect,
  beepHz: number,
): Promise<LipSyncReport> {
  const [flashes, beeps] = await Promise.all([
    findFlashes(ffmpeg, file, region),
    findBeeps(ffmpeg, file, beepHz),
  ]);
  return pairMarks(flashes, beeps);
}
