/**
 * HLS transcode benchmark (a benchmark, not a test):
 *
 *   npm run -s bench:hls -- [--input recording.webm] [--seconds 60]
 *       [--participants 4] [--codec h264|vp9|vp8] [--presets ultrafast,superfast,veryfast]
 *
 * Without --input it first records one real recording (`bench/recording.ts
 * --keep --hls`: the real bot, synthetic participants, and the production
 * post-processing job, whose ready → HLS-ready time it reports as
 * `pipeline`). Then, on that WebM, for each x264 preset: both renditions in
 * one ffmpeg (as the job runs them) and each rendition alone, timed on an
 * otherwise idle machine, with the output bitrate and each rendition's SSIM
 * against the source (scaled to its size). An H.264 source (`--codec h264`,
 * or an MP4 `--input`) has its own-size rendition copied, as the job does.
 * Figures are seconds of
 * transcoding per recorded minute; the goal is under 6 (1/10 of real time).
 *
 * Prints ONE JSON document on stdout; progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  parseVariantPlaylist,
  renditionsFor,
  transcodeHls,
  type RenditionSpec,
  type X264Preset,
} from '#server/delivery/hlsTranscode';
import { runTool, probe } from '#server/recording/ffmpeg';
import { RECORDER_VIDEO_CODECS } from '#protocol/recorderPage';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GOAL_SECONDS_PER_MINUTE = 6;
const presets = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const;

const argsSchema = z.object({
  input: z.string().optional(),
  seconds: z.coerce.number().min(10).max(3600).default(60),
  participants: z.coerce.number().int().min(0).max(16).default(4),
  codec: z.enum(RECORDER_VIDEO_CODECS).default('h264'),
  presets: z
    .string()
    .default('ultrafast,superfast,veryfast')
    .transform((s) => s.split(',').map((p) => p.trim()))
    .pipe(z.array(z.enum(presets)).min(1)),
});

const log = (line: string) => process.stderr.write(`[bench:hls] ${line}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

interface PipelineFigure {
  participants: number;
  readyToHlsMs: number;
  secondsPerRecordedMinute: number;
}

/** Records one recording with the real pipeline (HLS on); resolves with its kept file. */
function recordOne(args: z.output<typeof argsSchema>): { path: string; pipeline: PipelineFigure } {
  log(`recording ${args.seconds} s with ${args.participants} synthetic participants`);
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(projectRoot, 'bench/recording.ts'),
      '--participants',
      String(args.participants),
      '--seconds',
      String(args.seconds),
      '--codec',
      args.codec,
      '--keep',
      '--hls',
    ],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
  );
  if (child.status !== 0) throw new Error(`bench/recording.ts failed (${child.status})`);
  const report = JSON.parse(child.stdout.toString('utf8')) as {
    runs: Array<{
      file?: { path?: string };
      hls?: { readyToHlsMs: number; secondsPerRecordedMinute: number };
      error?: string;
    }>;
  };
  const run = report.runs[0];
  if (!run?.file?.path || !run.hls) throw new Error(`no recording: ${run?.error ?? 'no run'}`);
  return {
    path: run.file.path,
    pipeline: { participants: args.participants, ...run.hls },
  };
}

/**
 * SSIM of a rendition's video against the source scaled to its size (1:
 * identical), at the better of two alignments: the frames' own times, and
 * both from time zero (containers differ in where they put the first
 * frame: an MP4's video may start after its audio, segments at zero).
 */
async function ssimOf(source: string, playlist: string, width: number, height: number) {
  const values = await Promise.all(
    [false, true].map((fromZero) => ssimAligned(source, playlist, width, height, fromZero)),
  );
  const found = values.filter((v): v is number => v !== null);
  return found.length ? Math.max(...found) : null;
}

async function ssimAligned(
  source: string,
  playlist: string,
  width: number,
  height: number,
  fromZero: boolean,
) {
  const zero = fromZero ? 'setpts=PTS-STARTPTS,' : '';
  const { stderr } = await runTool('ffmpeg', [
    '-hide_banner',
    '-nostats',
    '-i',
    playlist,
    '-i',
    source,
    '-filter_complex',
    `[1:v]${zero}fps=30,scale=${width}:${height}:flags=bicubic[ref];` +
      `[0:v]${zero}fps=30[dist];[dist][ref]ssim`,
    '-f',
    'null',
    '-',
  ]);
  const match = /SSIM .*All:([\d.]+)/.exec(stderr);
  return match ? round(Number(match[1]), 4) : null;
}

async function bitrateOf(dir: string): Promise<number> {
  const playlist = parseVariantPlaylist(await readFile(join(dir, 'index.m3u8'), 'utf8'));
  let bytes = 0;
  let seconds = 0;
  for (const segment of playlist.segments) {
    bytes += (await stat(join(dir, segment.uri))).size;
    seconds += segment.durationSeconds;
  }
  return Math.round((bytes * 8) / Math.max(seconds, 0.001));
}

async function timeTranscode(
  input: string,
  outDir: string,
  renditions: RenditionSpec[],
  source: { width: number; height: number; durationMs: number },
  preset: X264Preset,
  audio: boolean,
  copySourceVideo: boolean,
) {
  const started = performance.now();
  const written = await transcodeHls({
    ffmpeg: 'ffmpeg',
    ffprobe: 'ffprobe',
    input,
    copySourceVideo,
    outDir,
    renditions,
    source,
    fps: 30,
    segmentSeconds: 4,
    preset,
    audio,
    // The machine is otherwise idle: niceness changes nothing here but is what production uses.
    niceness: 19,
  });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, written };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      input: { type: 'string' },
      seconds: { type: 'string' },
      participants: { type: 'string' },
      codec: { type: 'string' },
      presets: { type: 'string' },
    },
  });
  const args = argsSchema.parse(values);
  const tmp = await mkdtemp(join(os.tmpdir(), 'bench-hls-'));
  const cleanup = [tmp];
  try {
    let input = args.input;
    let pipeline: PipelineFigure | null = null;
    if (!input) {
      const recorded = recordOne(args);
      input = recorded.path;
      pipeline = recorded.pipeline;
      // The recording bench's kept directory (DATA_DIR and all) goes with this one.
      cleanup.push(recorded.path.slice(0, recorded.path.indexOf('/data/')));
    }
    const facts = await probe('ffprobe', input);
    if (!facts.video || !facts.durationMs) throw new Error(`${input} has no video or duration`);
    const source = {
      width: facts.video.width,
      height: facts.video.height,
      durationMs: facts.durationMs,
    };
    const minutes = facts.durationMs / 60_000;
    const copy = facts.video.codec === 'h264';
    const all = renditionsFor(source.height, 360);
    const results = [];
    for (const preset of args.presets) {
      log(`${preset}: both renditions in one ffmpeg`);
      const both = await timeTranscode(
        input,
        join(tmp, `${preset}-all`),
        all,
        source,
        preset,
        facts.audio !== null,
        copy,
      );
      const renditions = [];
      for (const spec of all) {
        log(`${preset}: ${spec.name} alone`);
        const dir = join(tmp, `${preset}-${spec.name}`);
        // Video alone: the shared audio rendition is measured once, below.
        const alone = await timeTranscode(input, dir, [spec], source, preset, false, copy);
        const rendition = alone.written[0]!;
        renditions.push({
          name: spec.name,
          width: rendition.width,
          height: rendition.height,
          copied: copy && spec.height === null,
          secondsPerRecordedMinute: round(alone.seconds / minutes),
          videoAndAudioBitrate: await bitrateOf(join(dir, spec.name)),
          ssim: await ssimOf(
            input,
            join(dir, spec.name, 'index.m3u8'),
            rendition.width,
            rendition.height,
          ),
        });
        await rm(dir, { recursive: true, force: true });
      }
      await rm(join(tmp, `${preset}-all`), { recursive: true, force: true });
      const perMinute = round(both.seconds / minutes);
      results.push({
        preset,
        bothRenditions: {
          secondsPerRecordedMinute: perMinute,
          realTimeFraction: round(perMinute / 60, 3),
          meetsGoal: perMinute < GOAL_SECONDS_PER_MINUTE,
        },
        renditions,
      });
    }
    const report = {
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? null },
      source: {
        path: args.input ?? null,
        durationSeconds: round(facts.durationMs / 1000, 3),
        width: source.width,
        height: source.height,
        videoCodec: facts.video.codec,
      },
      goal: { secondsPerRecordedMinute: GOAL_SECONDS_PER_MINUTE },
      pipeline,
      presets: results,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
