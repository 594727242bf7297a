/**
 * Recording benchmark (a benchmark, not a test):
 *
 *   npm run -s bench:recording -- [--participants 2,4] [--seconds 20]
 *       [--width 1280 --height 720 --fps 30 --codec vp8|vp9|h264] [--keep] [--hls]
 *       [--audio loud|mixed] [--lipsync] [--quality] [--layout auto|grid|speaker|presentation] [--screen]
 *       [--window 300] [--concurrent N]
 *
 * Starts its own ClassroomServer in this process (temporary DATA_DIR, logs
 * at warn on stderr, the real Chromium recorder bot) and, for each
 * participant count, fills a room with synthetic participants (ffmpeg → RTP,
 * no browsers), records for --seconds and measures: start latency (start
 * request → first slice persisted), stop → ready, the file's decoded fps,
 * duration and bitrate against the configured one, CPU seconds per recorded
 * second and peak memory of the bot's Chromium processes, the page's own
 * drawing stats, and the senders' CPU. RECORDING_* variables in the
 * environment configure the server; the flags above override them.
 *
 * Prints ONE JSON document on stdout; progress goes to stderr. Exits 1 if a
 * run failed (its entry then holds `error`). With --keep, the temporary
 * directory (data, recordings) is left for inspection and each run names its file.
 * With --hls, each ready recording's HLS renditions are made as in production
 * (the post-processing job, ffmpeg at nice 19) and the run reports ready → HLS
 * ready, per recorded minute; without it HLS is off, so that a transcode never
 * takes CPU from the next run's recording.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { z } from 'zod';
import { loadConfig, type Config } from '#server/config';
import { ClassroomServer } from '#server/ClassroomServer';
import { hashPassword } from '#server/auth/passwords';
import type { Interruption, RecordingSession } from '#server/recording/RecordingSession';
import { browsersUnder } from '#recorder-bot/orphanBrowsers';
import { RECORDER_VIDEO_CODECS, type RecorderStats } from '#protocol/recorderPage';
import { CpuMeter, readProcStat, type ProcStat } from '../scripts/lib/procStats';
import {
  AdminClient,
  SYNC_BEEP_HZ,
  SyntheticLoad,
  request,
  stillPicture,
  toneOf,
} from '../scripts/lib/syntheticParticipants';
import {
  BotProcessSampler,
  type BotProcessReport,
  type ThreadShare,
} from './lib/BotProcessSampler';
import { runTool } from '#server/recording/ffmpeg';
import { probeRecording, type RecordingFileFacts } from './lib/probeRecording';
import { audioLevels, type AudioLevels } from './lib/audioLevels';
import { lipSync, pairMarks, type LipSyncReport } from './lib/lipSync';
import { coverCrop, gridCells } from '#recorder-page/layout';
import { recordingLayoutSchema, type RecordingLayout } from '#protocol/layout';

const argsSchema = z.object({
  participants: z
    .string()
    .default('2,4')
    .transform((s) => s.split(',').map((n) => Number(n.trim())))
    .pipe(z.array(z.number().int().min(0).max(16)).min(1)),
  seconds: z.coerce.number().min(2).max(3600).default(20),
  width: z.coerce.number().int().optional(),
  height: z.coerce.number().int().optional(),
  fps: z.coerce.number().int().optional(),
  codec: z.enum(RECORDER_VIDEO_CODECS).optional(),
  keep: z.boolean().default(false),
  /** SIGKILL the bot's browser this many seconds into each recording and measure the resume. */
  crashAfter: z.coerce.number().min(1).optional(),
  /** Keep a warm browser (RECORDER_WARM_BROWSERS=1) and wait for it before each start. */
  warm: z.boolean().default(false),
  /** Also start and stop this many short recordings in an empty room: start latency p50. */
  starts: z.coerce.number().int().min(0).max(50).default(0),
  /** Make the HLS renditions of each recording (the post-processing job) and time them. */
  hls: z.boolean().default(false),
  /**
   * The participants' tone levels: `loud` (every one at −1 dBFS: the mix
   * must not clip), `mixed` (one at −1, one at −30, the rest at −18: the quiet
   * one must stay audible); with either, the mix's levels are measured.
   */
  audio: z.enum(['loud', 'mixed']).optional(),
  /**
   * The first participant sends the lip-sync clip (a flash and a beep once a
   * second): the recording's audio/video offset is measured from the file.
   */
  lipsync: z.boolean().default(false),
  /**
   * The first participant sends a still picture: SSIM and PSNR of its tile
   * in the middle of the file against the picture itself, scaled and
   * cropped as the compositor does (the whole chain: sender, decoder,
   * compositor, the recorder's encoder).
   */
  quality: z.boolean().default(false),
  /** The recording's layout (start body). */
  layout: recordingLayoutSchema.optional(),
  /** The last participant also shares a screen (a 1280x720 test pattern at 15 fps). */
  screen: z.boolean().default(false),
  /**
   * Rooms recording at once, each with `participants`. With more than one,
   * each run's `chromium` figures are those of every bot together.
   */
  concurrent: z.coerce.number().int().min(1).max(4).default(1),
  /** Seconds per window of the per-window figures (runs of at least two windows). */
  window: z.coerce.number().int().min(10).max(3600).default(300),
});
type Args = z.output<typeof argsSchema>;

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PAGE_STATS_INTERVAL_MS = 1_000;
const MB = 1024 * 1024;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. */
async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
  intervalMs = 100,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(intervalMs);
  }
}

function parseCommand(): Args {
  const { values } = parseArgs({
    strict: true,
    options: {
      participants: { type: 'string' },
      seconds: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      fps: { type: 'string' },
      codec: { type: 'string' },
      keep: { type: 'boolean' },
      'crash-after': { type: 'string' },
      warm: { type: 'boolean' },
      starts: { type: 'string' },
      hls: { type: 'boolean' },
      audio: { type: 'string' },
      lipsync: { type: 'boolean' },
      quality: { type: 'boolean' },
      layout: { type: 'string' },
      screen: { type: 'boolean' },
      window: { type: 'string' },
      concurrent: { type: 'string' },
    },
  });
  const parsed = argsSchema.safeParse({ ...values, crashAfter: values['crash-after'] });
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  const inGrid = !parsed.data.screen && ['grid', 'auto', undefined].includes(parsed.data.layout);
  if ((parsed.data.lipsync || parsed.data.quality) && !inGrid) {
    throw new Error(
      '--lipsync and --quality find their participant in the grid: use them without --screen and with --layout grid or auto',
    );
  }
  if (parsed.data.lipsync && parsed.data.quality) {
    throw new Error('--lipsync and --quality both need the first participant: use one');
  }
  return parsed.data;
}

/** The server's environment: tool paths and RECORDING_* from ours, the flags on top. */
function serverEnv(args: Args, dataDir: string): Record<string, string> {
  const passthrough = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined &&
      entry[0] !== 'RECORDING_STORAGE_DIR' &&
      /^(RECORDING_\w+|MEDIASOUP_WORKER_BIN|CHROMIUM_PATH|FFMPEG_PATH|FFPROBE_PATH)$/.test(
        entry[0],
      ),
  );
  const flags: Record<string, number | string | undefined> = {
    RECORDING_WIDTH: args.width,
    RECORDING_HEIGHT: args.height,
    RECORDING_FPS: args.fps,
    RECORDING_VIDEO_CODEC: args.codec,
  };
  return {
    ...Object.fromEntries(passthrough),
    ...Object.fromEntries(
      Object.entries(flags)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    ),
    NODE_ENV: 'production',
    // BENCH_LOG_LEVEL=info shows each step's timestamp on stderr (where the time goes).
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_DEMO_USERS: 'false',
    MEDIASOUP_NUM_WORKERS: '1',
    RECORDER_WARM_BROWSERS: args.warm ? '1' : '0',
    HLS_ENABLED: args.hls ? 'true' : 'false',
    // The benchmark measures the recorder, not admission control.
    RECORDER_MIN_IDLE_CPU: '0',
  };
}

interface Bench {
  hls: boolean;
  audio: 'loud' | 'mixed' | undefined;
  lipsync: boolean;
  quality: boolean;
  layout: RecordingLayout | undefined;
  screen: boolean;
  windowSeconds: number;
  server: ClassroomServer;
  config: Config;
  admin: AdminClient;
  instructorToken: string;
  /** Command-line text that identifies this bench's bot browsers (their profile directory prefix). */
  botMarker: string;
  seconds: number;
  keep: boolean;
  crashAfter: number | undefined;
  warm: boolean;
}

async function createUser(server: ClassroomServer, role: 'admin' | 'instructor'): Promise<string> {
  const row = await server.context.users.create({
    email: `bench-${role}@example.com`,
    fullName: `Bench ${role}`,
    role,
    passwordHash: await hashPassword(`bench-${role}-${Date.now()}`),
  });
  return server.context.tokens.issueUserToken(row);
}

/** SIGKILLs the bot's browser (its main process) and waits until a replacement delivered. */
async function crashBot(
  session: RecordingSession,
  profileRoot: string,
  killedAtSeconds: number,
): Promise<NonNullable<RunResult['resume']>> {
  // The recording's own browser (a warm one may be waiting beside it), as its worker reports it.
  const victim = session.bot?.pid ?? undefined;
  if (!victim || !(await browsersUnder(profileRoot)).includes(victim)) {
    throw new Error('no bot browser to kill');
  }
  const resumed = new Promise<Interruption>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no replacement bot within 60 s')), 60_000);
    session.once('resumed', (interruption) => {
      clearTimeout(timer);
      resolve(interruption);
    });
  });
  const killedAt = performance.now();
  process.kill(victim, 'SIGKILL');
  const interruption = await resumed;
  return {
    killedAtSeconds,
    resumedAfterMs: Math.round(performance.now() - killedAt),
    lostMs: interruption.lostMs,
  };
}

/** Resolves (performance.now()) when the session persists its first slice; rejects if it ends first. */
function firstSlice(session: RecordingSession, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (session.startedAt) {
      resolve(performance.now());
      return;
    }
    const timer = setTimeout(
      () => reject(new Error(`no slice persisted within ${timeoutMs} ms`)),
      timeoutMs,
    );
    session.once('recording', () => {
      clearTimeout(timer);
      resolve(performance.now());
    });
    session.once('ended', (end) => {
      clearTimeout(timer);
      reject(
        new Error(
          `recording ended before its first slice: ${end.kind === 'failed' ? end.reason : 'stopped'}`,
        ),
      );
    });
  });
}

function summarize(values: number[]) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const avg = values.reduce((s, v) => s + v, 0) / values.length;
  return {
    avg: round(avg),
    min: round(sorted[0]!),
    p10: round(sorted[Math.floor(sorted.length * 0.1)]!),
    max: round(sorted[sorted.length - 1]!),
  };
}

interface RunResult {
  participants: number;
  roomId: string;
  recordingId?: string;
  status?: string;
  /** Participants the recording lists (the synthetic ones must be there). */
  participantsListed?: number;
  startLatencyMs?: number;
  /** Start request → the page's MediaRecorder started (the file's time zero). */
  botReadyMs?: number;
  recordedSeconds?: number;
  /** With --crash-after: the bot's browser SIGKILLed, and how the recording went on. */
  resume?: {
    killedAtSeconds: number;
    /** SIGKILL → the replacement bot's first slice stored. */
    resumedAfterMs: number;
    /** Media missing from the file at the interruption. */
    lostMs: number | null;
  };
  stopRequestMs?: number;
  stopToReadyMs?: number;
  file?: RecordingFileFacts & {
    /** Only with --keep: the file is deleted with the temporary directory otherwise. */
    path?: string;
    configuredVideoBitrate: number;
    videoBitrateRatio: number;
    targetFps: number;
  };
  chromium?: {
    processes: number;
    cpuSecondsPerRecordedSecond: number;
    cpuSecondsRecording: number;
    cpuSecondsTotal: number;
    peakRssMb: number;
    peakPssMb: number;
  };
  page?: {
    samples: number;
    framesPerSecond: ReturnType<typeof summarize>;
    drawMsAvg: ReturnType<typeof summarize>;
    droppedFrames: number;
    tiles: number;
    /** Every layout the page drew while sampled. */
    drawnLayouts: string[];
  };
  ffmpegSenders?: { cpuPercentEach: number[]; avgCpuPercent: number };
  /** With --audio: the tone levels sent, and the mix's levels as recorded. */
  audio?: {
    profile: 'loud' | 'mixed';
    sentDb: number[];
    levels: AudioLevels;
  };
  /** The window's CPU by Chromium process type and thread name (top 20). */
  threads?: ThreadShare[];
  /** Runs of at least two windows (`--window`, 300 s by default): figures per window. */
  windows?: WindowFigures[];
  /** With --lipsync: the audio/video offset in the file (positive: audio late). */
  lipSync?: LipSyncResult;
  /** With --quality: the still participant's tile against its picture. */
  quality?: QualityResult;
  /** With --hls: the post-processing job, from `ready` to HLS ready. */
  hls?: {
    readyToHlsMs: number;
    secondsPerRecordedMinute: number;
    renditions: Array<{ name: string; width: number; height: number; bandwidth: number }>;
  };
  error?: string;
}

interface LipSyncResult extends Omit<LipSyncReport, 'samples'> {
  /**
   * The sync clip's own offset (its container places the picture a few ms
   * after the sound); `recorderMedianMs` is the recording's median minus it:
   * what the SFU and the recorder added.
   */
  clipOffsetMs: number | null;
  recorderMedianMs: number | null;
  /** Per window (`--window`): median and spread of the offset. */
  windows: Array<{
    fromSeconds: number;
    pairs: number;
    medianMs: number | null;
    spreadMs: number | null;
  }>;
}

interface WindowFigures {
  fromSeconds: number;
  /** Video frames in the file whose time falls in the window, per second. */
  fileFps: number;
  /** The page's own composed frames per second (its 1 s figure, averaged). */
  pageFps: number | null;
  botCores: number;
  /** Mean PSS of the bot's processes in the window. */
  pssMb: number;
  /** Mean PSS per Chromium process type in the window. */
  pssMbByProcess: Record<string, number>;
  /** Time since the last stored slice, sampled every second: median and worst. */
  sliceStalenessMs: { p50: number; max: number } | null;
}

/** Video packet times (s) of a file, as ffprobe reads them (no rate conversion). */
async function videoPacketTimes(ffprobe: string, file: string): Promise<number[]> {
  const { stdout } = await runTool(ffprobe, [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time',
    '-of',
    'csv=p=0',
    file,
  ]);
  return stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((t) => Number.isFinite(t) && t >= 0);
}

/** Mean PSS (MB) of each process type over the samples. */
function meanByProcess(samples: BotProcessReport['samples']): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const sample of samples) {
    for (const [type, bytes] of Object.entries(sample.pssBytesByProcess)) {
      sums[type] = (sums[type] ?? 0) + bytes;
    }
  }
  return Object.fromEntries(
    Object.entries(sums).map(([type, sum]) => [type, Math.round(sum / samples.length / MB)]),
  );
}

/** fps, CPU, memory and slice staleness per window of `windowSeconds`, for long runs. */
async function windowsReport({
  bot,
  file,
  ffprobe,
  pageSamples,
  pageSampleTimes,
  staleness,
  fileOffsetSeconds,
  windowSeconds,
}: {
  bot: BotProcessReport;
  file: string;
  ffprobe: string;
  pageSamples: RecorderStats[];
  pageSampleTimes: number[];
  staleness: Array<[number, number]>;
  fileOffsetSeconds: number;
  windowSeconds: number;
}): Promise<WindowFigures[]> {
  const packets = await videoPacketTimes(ffprobe, file);
  const windows: WindowFigures[] = [];
  for (let from = 0; from + windowSeconds <= bot.windowSeconds + 1; from += windowSeconds) {
    const to = from + windowSeconds;
    const inWindow = <T>(times: number[], values: T[]) =>
      values.filter((_, i) => times[i]! >= from && times[i]! < to);
    const samples = bot.samples.filter((s) => s.atSeconds >= from && s.atSeconds < to);
    const first = samples[0];
    const last = samples.at(-1);
    const cores =
      first && last && last.atSeconds > first.atSeconds
        ? (last.cpuSeconds - first.cpuSeconds) / (last.atSeconds - first.atSeconds)
        : 0;
    const fps = inWindow(pageSampleTimes, pageSamples).map((p) => p.framesPerSecond);
    const lags = staleness
      .filter(([t]) => t >= from && t < to)
      .map(([, ms]) => ms)
      .sort((a, b) => a - b);
    // The window in the file's own time (it starts when the recorder started).
    const fileFrom = from + fileOffsetSeconds;
    const frames = packets.filter((t) => t >= fileFrom && t < fileFrom + windowSeconds).length;
    windows.push({
      fromSeconds: from,
      fileFps: round(frames / windowSeconds),
      pageFps: fps.length ? round(fps.reduce((s, v) => s + v, 0) / fps.length) : null,
      botCores: round(cores),
      pssMb: Math.round(
        samples.reduce((sum, s) => sum + s.pssBytes, 0) / Math.max(1, samples.length) / MB,
      ),
      pssMbByProcess: meanByProcess(samples),
      sliceStalenessMs: lags.length
        ? { p50: lags[Math.floor(lags.length / 2)]!, max: lags.at(-1)! }
        : null,
    });
  }
  return windows;
}

interface QualityResult {
  /** The compared part of the tile, in the composite's pixels. */
  region: { x: number; y: number; width: number; height: number };
  fromSeconds: number;
  seconds: number;
  /** Mean over the compared frames (1: identical). */
  ssim: number | null;
  psnrDb: number | null;
}

/**
 * The still participant's tile (the grid's first cell, its label and ring
 * left out) in the middle 10 s of the file, against the still picture
 * cropped and scaled into the cell as the compositor does (cover).
 */
async function qualityReport(
  bench: Bench,
  file: string,
  participants: number,
  durationSeconds: number | null,
): Promise<QualityResult> {
  const { width, height } = bench.config.recording;
  const cell = gridCells(participants, { width, height, gap: 4 })[0];
  if (!cell) throw new Error('no cell for the still participant');
  const even = (n: number) => n - (n % 2);
  // Inside the cell: clear of the speaking ring (the edges) and of the name label (the bottom).
  const inset = even(Math.max(8, Math.round(cell.width / 40)));
  const region = {
    x: even(cell.x + inset),
    y: even(cell.y + inset),
    width: even(cell.width - 2 * inset),
    height: even(Math.round(cell.height * 0.75) - inset),
  };
  const picture = join(bench.config.dataDir, 'still.png');
  await stillPicture(picture, { ffmpegPath: bench.config.tools.ffmpegPath });
  const crop = coverCrop(640, 360, cell);
  const seconds = Math.min(10, Math.max(1, (durationSeconds ?? 10) - 4));
  const fromSeconds = Math.max(2, (durationSeconds ?? seconds) / 2 - seconds / 2);
  const cut = `crop=${region.width}:${region.height}:${region.x - cell.x}:${region.y - cell.y}`;
  const { stderr } = await runTool(bench.config.tools.ffmpegPath, [
    '-hide_banner',
    '-nostats',
    '-ss',
    String(fromSeconds),
    '-t',
    String(seconds),
    '-i',
    file,
    '-loop',
    '1',
    '-framerate',
    '30',
    '-t',
    String(seconds),
    '-i',
    picture,
    '-filter_complex',
    `[0:v]crop=${cell.width}:${cell.height}:${cell.x}:${cell.y},${cut},format=yuv420p,split[a][b];` +
      `[1:v]crop=${crop.sw}:${crop.sh}:${crop.sx}:${crop.sy},scale=${cell.width}:${cell.height}:flags=bicubic,` +
      `${cut},format=yuv420p,split[c][d];[a][c]ssim;[b][d]psnr`,
    '-f',
    'null',
    '-',
  ]);
  const ssim = /SSIM .*All:([\d.]+)/.exec(stderr)?.[1];
  const psnr = /PSNR .*average:([\d.]+|inf)/.exec(stderr)?.[1];
  return {
    region,
    fromSeconds: round(fromSeconds),
    seconds: round(seconds),
    ssim: ssim ? round(Number(ssim), 4) : null,
    psnrDb: psnr && psnr !== 'inf' ? round(Number(psnr)) : null,
  };
}

/** Finds the sync participant's flashes and beeps in the file (its tile is the first cell). */
async function lipSyncReport(
  bench: Bench,
  file: string,
  clip: string,
  participants: number,
): Promise<LipSyncResult> {
  const { width, height } = bench.config.recording;
  const cell = gridCells(participants, { width, height, gap: 4 })[0];
  if (!cell) throw new Error('no cell for the sync participant');
  // The middle of the tile: clear of its name label and of any letterbox bar.
  const even = (n: number) => n - (n % 2);
  const region = {
    x: even(cell.x + Math.round(cell.width / 4)),
    y: even(cell.y + Math.round(cell.height / 4)),
    width: even(Math.round(cell.width / 2)),
    height: even(Math.round(cell.height / 3)),
  };
  const ffmpeg = bench.config.tools.ffmpegPath;
  const [recorded, source] = await Promise.all([
    lipSync(ffmpeg, file, region, SYNC_BEEP_HZ),
    lipSync(ffmpeg, clip, { x: 0, y: 0, width: 640, height: 360 }, SYNC_BEEP_HZ),
  ]);
  const { samples, ...summary } = recorded;
  const windows: LipSyncResult['windows'] = [];
  const last = samples.at(-1)?.[0] ?? 0;
  for (let from = 0; from <= last && samples.length > 0; from += bench.windowSeconds) {
    const inWindow = samples.filter(([t]) => t >= from && t < from + bench.windowSeconds);
    const { medianMs, spreadMs, pairs } = pairMarks(
      inWindow.map(([t]) => t),
      inWindow.map(([t, ms]) => t + ms / 1000),
    );
    windows.push({ fromSeconds: from, pairs, medianMs, spreadMs });
  }
  const clipOffsetMs = source.medianMs;
  return {
    ...summary,
    clipOffsetMs,
    recorderMedianMs:
      summary.medianMs === null || clipOffsetMs === null
        ? null
        : round(summary.medianMs - clipOffsetMs, 1),
    windows,
  };
}

/** The tone level (dBFS) of participant `index` under an audio profile. */
function audioDbOf(profile: 'loud' | 'mixed', index: number): number {
  if (profile === 'loud') return -1;
  return index === 0 ? -1 : index === 1 ? -30 : -18;
}

/** Waits for the recording's HLS job (started at `ready`) and reports its time per recorded minute. */
async function hlsReport(
  bench: Bench,
  recordingId: string,
  durationSeconds: number,
): Promise<NonNullable<RunResult['hls']>> {
  const recordings = bench.server.context.recordings;
  let doneAt = 0;
  await waitUntil(
    'HLS is ready',
    600_000,
    async () => {
      const row = await recordings.findById(recordingId);
      if (row?.hlsStatus === 'failed') throw new Error(`HLS failed: ${row.hlsError}`);
      doneAt = Date.now();
      return row?.hlsStatus === 'ready';
    },
    50,
  );
  const row = await recordings.findById(recordingId);
  // From the moment the recording became ready (its job was queued then), not
  // from when this bench got round to looking: the job runs meanwhile.
  const ms = doneAt - (row?.completedAt?.getTime() ?? doneAt);
  return {
    readyToHlsMs: Math.round(ms),
    secondsPerRecordedMinute: round(ms / 1000 / (durationSeconds / 60)),
    renditions: (row?.hlsRenditions ?? []).map(({ name, width, height, bandwidth }) => ({
      name,
      width,
      height,
      bandwidth,
    })),
  };
}

/** Waits until the embedded worker holds a warm browser (its page loaded and waiting). */
async function warmBrowserReady(server: ClassroomServer): Promise<void> {
  await waitUntil(
    'a warm browser is ready',
    60_000,
    () => (server.botLauncher?.warmCount ?? 0) > 0,
  );
}

/** What a warm browser waiting for a recording costs: its processes' CPU over 10 s, in cores. */
async function warmBrowserIdleCost(bench: Bench): Promise<{ cores: number; processes: number }> {
  await warmBrowserReady(bench.server);
  const sampler = new BotProcessSampler({ marker: bench.botMarker });
  sampler.start();
  await sampler.openWindow();
  await sleep(10_000);
  await sampler.closeWindow();
  const report = await sampler.stop();
  return {
    cores: round(report.windowCpuSeconds / report.windowSeconds, 4),
    processes: report.maxProcesses,
  };
}

/**
 * Start latency alone: `count` short recordings of an empty room, one after
 * the other, each from the start request to its first stored slice.
 */
async function measureStarts(bench: Bench, count: number) {
  const { server, instructorToken } = bench;
  const roomId = `bench-starts-${Date.now()}`;
  await request(`${server.url}/api/v1/rooms`, {
    method: 'POST',
    token: instructorToken,
    body: { roomId, title: 'Benchmark, start latency' },
  });
  const idleWarmBrowser = bench.warm ? await warmBrowserIdleCost(bench) : undefined;
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    if (bench.warm) await warmBrowserReady(server);
    const requestedAt = performance.now();
    const started = await request<{ recordingId: string }>(
      `${server.url}/api/v1/recordings/start`,
      { method: 'POST', token: instructorToken, body: { roomId, title: `Start ${i + 1}` } },
    );
    const session = server.recording.sessions.get(started.recordingId);
    if (!session) throw new Error('the recording has no session');
    latencies.push(
      Math.round(
        (await firstSlice(session, bench.config.recording.readyTimeoutMs + 30_000)) - requestedAt,
      ),
    );
    await request(`${server.url}/api/v1/recordings/${started.recordingId}/stop`, {
      method: 'POST',
      token: instructorToken,
    });
    log(`start ${i + 1}/${count}: first slice after ${latencies.at(-1)} ms`);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    warm: bench.warm,
    ...(idleWarmBrowser === undefined ? {} : { idleWarmBrowser }),
    samples: latencies,
    p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? null,
    min: sorted[0] ?? null,
    max: sorted.at(-1) ?? null,
  };
}

async function runOnce(bench: Bench, participants: number, index = 0): Promise<RunResult> {
  const { server, config, admin, instructorToken } = bench;
  const roomId = `bench-${participants}p-${Date.now()}-${index}`;
  const result: RunResult = { participants, roomId };
  // The instructor's class: it records the room it owns.
  await request(`${server.url}/api/v1/rooms`, {
    method: 'POST',
    token: instructorToken,
    body: { roomId, title: `Benchmark, ${participants} participants` },
  });
  const load = new SyntheticLoad({
    client: admin,
    roomId,
    count: participants,
    log,
    clipOf: (i: number) => ({
      ...(bench.audio ? { audioDb: audioDbOf(bench.audio, i) } : {}),
      // Long: the sender's loop (-stream_loop with -c copy) jolts the receivers' audio buffers.
      ...(bench.lipsync && i === 0 ? { kind: 'sync' as const, seconds: 300 } : {}),
      ...(bench.quality && i === 0 ? { kind: 'still' as const } : {}),
    }),
    ...(bench.screen
      ? {
          screenOf: (i: number) =>
            i === participants - 1 ? { width: 1280, height: 720, fps: 15 } : undefined,
        }
      : {}),
    onSenderExit: (p, code) =>
      log(`sender of ${p.participant.displayName} exited (${code}): ${p.stderrTail()}`),
  });
  const sampler = new BotProcessSampler({ marker: bench.botMarker });
  const senderMeter = new CpuMeter();
  const pageSamples: RecorderStats[] = [];
  /** Seconds since the window opened of each page sample, and of each staleness sample. */
  const pageSampleTimes: number[] = [];
  const staleness: Array<[number, number]> = [];
  let windowOpenedAt = 0;
  let pageTimer: NodeJS.Timeout | undefined;
  let samplerStarted = false;
  const senderStats = async () =>
    (await Promise.all(load.participants.map((p) => readProcStat(p.sender.pid ?? -1)))).filter(
      (s): s is ProcStat => s !== null,
    );
  try {
    log(`${participants} participants: starting senders in ${roomId}`);
    await load.start();
    await waitUntil('every synthetic producer carries bytes', 30_000, async () => {
      const room = server.rooms.getRoom(roomId);
      for (const p of load.participants) {
        const producers = [...(room?.peers.get(p.participant.peerId)?.producers.values() ?? [])];
        if (producers.length !== (p.screenClip === null ? 2 : 3)) return false;
        for (const producer of producers) {
          const [stats] = await producer.getStats();
          if (!stats || stats.byteCount === 0) return false;
        }
      }
      return true;
    });

    if (bench.warm) await warmBrowserReady(server);
    sampler.start();
    samplerStarted = true;
    const requestedAt = performance.now();
    const requestedAtWall = Date.now();
    const started = await request<{ recordingId: string }>(
      `${server.url}/api/v1/recordings/start`,
      {
        method: 'POST',
        token: instructorToken,
        body: {
          roomId,
          title: `Benchmark, ${participants} participants`,
          ...(bench.layout ? { layout: bench.layout } : {}),
        },
      },
    );
    result.recordingId = started.recordingId;
    const session = server.recording.sessions.get(started.recordingId);
    if (!session) throw new Error('the recording has no session');
    const ended = new Promise<never>((_, reject) =>
      session.once('ended', (end) =>
        reject(
          new Error(`recording ended early: ${end.kind === 'failed' ? end.reason : 'stopped'}`),
        ),
      ),
    );
    ended.catch(() => undefined);
    const firstSliceAt = await firstSlice(session, config.recording.readyTimeoutMs + 30_000);
    result.startLatencyMs = Math.round(firstSliceAt - requestedAt);
    log(`recording ${started.recordingId}: first slice after ${result.startLatencyMs} ms`);

    await sampler.openWindow();
    windowOpenedAt = performance.now();
    senderMeter.start(await senderStats());
    pageTimer = setInterval(() => {
      const at = (performance.now() - windowOpenedAt) / 1000;
      // How long ago the last slice was stored: a slice period plus the upload when all is well.
      const last = session.lastSliceAt;
      if (last !== undefined) staleness.push([at, Date.now() - last]);
      void session.bot
        ?.stats()
        .then((stats) => {
          if (!stats.page) return;
          pageSamples.push(stats.page);
          pageSampleTimes.push(at);
        })
        .catch(() => undefined);
    }, PAGE_STATS_INTERVAL_MS);
    if (bench.crashAfter !== undefined && bench.crashAfter < bench.seconds) {
      await Promise.race([sleep(bench.crashAfter * 1000), ended]);
      result.resume = await crashBot(session, join(config.dataDir, 'bots'), bench.crashAfter);
      log(
        `bot killed: resumed after ${result.resume.resumedAfterMs} ms, ${result.resume.lostMs} ms lost`,
      );
      await Promise.race([sleep((bench.seconds - bench.crashAfter) * 1000), ended]);
    } else {
      await Promise.race([sleep(bench.seconds * 1000), ended]);
    }
    clearInterval(pageTimer);
    senderMeter.stop(await senderStats());
    await sampler.closeWindow();

    const stopAt = performance.now();
    await request(`${server.url}/api/v1/recordings/${started.recordingId}/stop`, {
      method: 'POST',
      token: instructorToken,
    });
    result.stopRequestMs = Math.round(performance.now() - stopAt);
    let status = '';
    let participantsListed = 0;
    await waitUntil('the recording is ready', 180_000, async () => {
      const row = await request<{ status: string; participants: unknown[] }>(
        `${server.url}/api/v1/recordings/${started.recordingId}`,
        { token: instructorToken },
      );
      status = row.status;
      participantsListed = row.participants.length;
      return status === 'ready' || status === 'failed';
    });
    result.participantsListed = participantsListed;
    result.stopToReadyMs = Math.round(performance.now() - stopAt);
    result.status = status;
    const bot = await sampler.stop();
    samplerStarted = false;

    const row = await server.context.recordings.findById(started.recordingId);
    if (status !== 'ready' || !row?.filePath) {
      throw new Error(`recording ended ${status}: ${row?.error ?? 'no file'}`);
    }
    if (row.startedAt) result.botReadyMs = row.startedAt.getTime() - requestedAtWall;
    result.recordedSeconds = round(bot.windowSeconds);
    // The HLS job runs from `ready`: timed before this bench decodes the file for its own figures.
    if (bench.hls) {
      result.hls = await hlsReport(bench, started.recordingId, (row.durationMs ?? 0) / 1000);
    }
    const facts = await probeRecording(config.tools.ffprobePath, row.filePath);
    result.file = {
      ...(bench.keep ? { path: row.filePath } : {}),
      ...facts,
      effectiveFps: round(facts.effectiveFps),
      durationSeconds: round(facts.durationSeconds, 3),
      targetFps: config.recording.fps,
      configuredVideoBitrate: config.recording.videoBitrate,
      videoBitrateRatio: round(facts.videoBitrate / config.recording.videoBitrate),
    };
    result.chromium = chromiumReport(bot);
    result.page = pageReport(pageSamples);
    result.threads = bot.threads.slice(0, 20);
    if (bench.seconds >= 2 * bench.windowSeconds) {
      result.windows = await windowsReport({
        bot,
        file: row.filePath,
        ffprobe: config.tools.ffprobePath,
        pageSamples,
        pageSampleTimes,
        staleness,
        // The file's time zero is the recorder's start, a little before the first slice.
        fileOffsetSeconds: (firstSliceAt - requestedAt) / 1000 - (result.botReadyMs ?? 0) / 1000,
        windowSeconds: bench.windowSeconds,
      });
    }
    if (bench.lipsync) {
      const clip = load.participants[0]?.clip;
      if (!clip) throw new Error('no sync participant');
      result.lipSync = await lipSyncReport(bench, row.filePath, clip, participants);
    }
    if (bench.quality) {
      result.quality = await qualityReport(
        bench,
        row.filePath,
        participants,
        facts.durationSeconds,
      );
    }
    if (bench.audio) {
      const sentDb = Array.from({ length: participants }, (_, i) => audioDbOf(bench.audio!, i));
      result.audio = {
        profile: bench.audio,
        sentDb,
        levels: await audioLevels(
          config.tools.ffmpegPath,
          row.filePath,
          sentDb.map((_, i) => toneOf(i)),
        ),
      };
    }
    const each = load.participants.map((p) =>
      round((senderMeter.cpuSecondsOf(p.sender.pid ?? -1) / senderMeter.wallSeconds) * 100),
    );
    result.ffmpegSenders = {
      cpuPercentEach: each,
      avgCpuPercent: round(each.reduce((s, v) => s + v, 0) / Math.max(1, each.length)),
    };
  } catch (error) {
    result.error = (error as Error).message;
    log(`${participants} participants: failed: ${result.error}`);
  } finally {
    clearInterval(pageTimer);
    if (samplerStarted) await sampler.stop().catch(() => undefined);
    await load.stop();
    // The next run must not count this run's browser.
    await waitUntil('the bot browser is gone', 30_000, async () => {
      const probe = new BotProcessSampler({ marker: bench.botMarker });
      return (await probe.sample()).length === 0;
    }).catch((error: unknown) => log((error as Error).message));
  }
  return result;
}

function chromiumReport(bot: BotProcessReport): NonNullable<RunResult['chromium']> {
  return {
    processes: bot.maxProcesses,
    cpuSecondsPerRecordedSecond: round(bot.windowCpuSeconds / Math.max(bot.windowSeconds, 0.001)),
    cpuSecondsRecording: round(bot.windowCpuSeconds),
    cpuSecondsTotal: round(bot.totalCpuSeconds),
    peakRssMb: Math.round(bot.peakRssBytes / MB),
    peakPssMb: Math.round(bot.peakPssBytes / MB),
  };
}

function pageReport(samples: RecorderStats[]): NonNullable<RunResult['page']> {
  const last = samples[samples.length - 1];
  return {
    samples: samples.length,
    framesPerSecond: summarize(samples.map((s) => s.framesPerSecond)),
    drawMsAvg: summarize(samples.map((s) => s.drawMsAvg)),
    droppedFrames: last?.droppedFrames ?? 0,
    tiles: Math.max(0, ...samples.map((s) => s.tiles)),
    drawnLayouts: [...new Set(samples.map((s) => s.drawnLayout))],
  };
}

async function main(): Promise<number> {
  const args = parseCommand();
  const tmp = await mkdtemp(join(os.tmpdir(), 'bench-recording-'));
  // The bot makes its profile under the temp dir: a dir of our own tells its processes
  // apart from any other recorder on this machine.
  process.env.TMPDIR = tmp;
  let server: ClassroomServer | undefined;
  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (server?.close() ?? Promise.resolve()).then(async () => {
      if (args.keep) log(`kept ${tmp}`);
      else await rm(tmp, { recursive: true, force: true });
    }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: tearing down`);
      void shutdown().finally(() => process.exit(130));
    });
  }
  try {
    log('building the web bundles');
    // Always rebuilt, so the numbers are those of the recorder page as it is now.
    const build = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'scripts/build-web.ts')],
      {
        stdio: ['ignore', 2, 2],
      },
    );
    if (build.status !== 0) throw new Error('npm run build:web failed');

    const config = loadConfig(serverEnv(args, join(tmp, 'data')));
    const logger = pino({ level: config.logLevel, base: undefined }, pino.destination(2));
    server = new ClassroomServer({ config, logger });
    log('starting the server');
    await server.start();
    const admin = new AdminClient(server.url, await createUser(server, 'admin'));
    const bench: Bench = {
      server,
      config,
      admin,
      instructorToken: await createUser(server, 'instructor'),
      // Each bot's Chromium profile lives under DATA_DIR/bots (see ChromiumRecorderBot).
      botMarker: join(config.dataDir, 'bots', 'recorder-bot-'),
      seconds: args.seconds,
      keep: args.keep,
      crashAfter: args.crashAfter,
      warm: args.warm,
      hls: args.hls,
      audio: args.audio,
      lipsync: args.lipsync,
      quality: args.quality,
      layout: args.layout,
      screen: args.screen,
      windowSeconds: args.window,
    };
    const loadavgAtStart = os.loadavg().map((n) => round(n));
    const runs: RunResult[] = [];
    for (const participants of args.participants) {
      // --concurrent N: N rooms record at once (their bots share the machine).
      const batch = await Promise.all(
        Array.from({ length: args.concurrent }, (_, i) => runOnce(bench, participants, i)),
      );
      runs.push(...batch);
    }
    const startLatency = args.starts > 0 ? await measureStarts(bench, args.starts) : undefined;
    const rec = config.recording;
    const report = {
      benchmark: 'recording',
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        loadavgAtStart,
        loadavgAtEnd: os.loadavg().map((n) => round(n)),
        node: process.version,
      },
      config: {
        width: rec.width,
        height: rec.height,
        fps: rec.fps,
        videoCodec: rec.videoCodec,
        videoBitrate: rec.videoBitrate,
        audioBitrate: rec.audioBitrate,
        seconds: args.seconds,
        warmBrowsers: args.warm ? 1 : 0,
      },
      runs,
      ...(startLatency ? { startLatency } : {}),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return runs.some((r) => r.error) ? 1 : 0;
  } finally {
    await shutdown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
