/** Runs ffmpeg/ffprobe as child processes with a timeout; stderr is kept for errors. */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import type { Readable } from 'node:stream';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class ToolError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

export interface RunOptions {
  timeoutMs?: number;
  /** Niceness for the child (e.g. 19: batch work that must not take frames from live recordings). */
  niceness?: number;
  /** Fed to the child's stdin (then closed); otherwise stdin is /dev/null. */
  stdin?: Readable;
  /** Each line of stdout as it comes (for `-progress pipe:1`); stdout is then not kept. */
  onStdoutLine?: (line: string) => void;
  /** Kills the child (SIGKILL) when aborted. */
  signal?: AbortSignal;
}

/** Spawns `bin args`, resolves with its output on exit 0, rejects otherwise or on timeout. */
export function runTool(
  bin: string,
  args: string[],
  { timeoutMs = 10 * 60_000, niceness, stdin, onStdoutLine, signal }: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    if (niceness !== undefined && child.pid !== undefined) {
      try {
        setPriority(child.pid, niceness);
      } catch {
        // Not allowed to lower our own children's priority: it runs at ours.
      }
    }
    // ffmpeg closes its input early on some errors: that is reported by its exit code.
    child.stdin.on('error', () => {});
    if (!stdin) child.stdin.end();
    else {
      stdin.on('error', (error) => {
        child.kill('SIGKILL');
        reject(error);
      });
      stdin.pipe(child.stdin);
    }
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errBytes = 0;
    let partial = '';
    child.stdout.on('data', (b: Buffer) => {
      if (!onStdoutLine) {
        out.push(b);
        return;
      }
      const lines = (partial + b.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onStdoutLine(line);
    });
    child.stderr.on('data', (b: Buffer) => {
      // Keep only the tail of long ffmpeg logs.
      err.push(b);
      errBytes += b.length;
      while (errBytes > 64_000 && err.length > 1) errBytes -= err.shift()!.length;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new ToolError(`${bin} could not start: ${error.message}`, ''));
    });
    child.once('close', (code, killedBy) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr });
      else {
        const why = killedBy ? `killed by ${killedBy}` : `exit code ${code}`;
        const last = stderr.trim().split('\n').slice(-3).join(' | ');
        reject(new ToolError(`${bin} failed (${why}): ${last}`, stderr));
      }
    });
  });
}

export interface ProbeResult {
  durationMs: number | null;
  format: string | null;
  bitrate: number | null;
  video: { codec: string; width: number; height: number; fps: number | null } | null;
  audio: { codec: string; sampleRate: number | null; channels: number | null } | null;
}

interface FfprobeJson {
  format?: { duration?: string; format_name?: string; bit_rate?: string };
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    sample_rate?: string;
    channels?: number;
    nb_read_packets?: string;
  }>;
}

function rate(value: string | undefined): number | null {
  if (!value) return null;
  const [num, den] = value.split('/').map(Number);
  if (!num || !den) return null;
  return Math.round((num / den) * 100) / 100;
}

function measuredFps(packets: string | undefined, durationSeconds: number): number | null {
  const count = Number(packets);
  if (!Number.isFinite(count) || count <= 0 || !(durationSeconds > 0)) return null;
  return Math.round((count / durationSeconds) * 100) / 100;
}

/** ffprobe a media file into the fields the database keeps. */
export async function probe(ffprobe: string, file: string): Promise<ProbeResult> {
  const { stdout } = await runTool(ffprobe, [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    // Counting packets reads the file without decoding: the true frame count,
    // since MediaRecorder's WebM declares a 1 kHz time base, not a frame rate.
    '-count_packets',
    file,
  ]);
  const json = JSON.parse(stdout) as FfprobeJson;
  const v = json.streams?.find((s) => s.codec_type === 'video');
  const a = json.streams?.find((s) => s.codec_type === 'audio');
  const duration = json.format?.duration ? Number(json.format.duration) : NaN;
  const bitrate = json.format?.bit_rate ? Number(json.format.bit_rate) : NaN;
  return {
    durationMs: Number.isFinite(duration) ? Math.round(duration * 1000) : null,
    format: json.format?.format_name ?? null,
    bitrate: Number.isFinite(bitrate) ? Math.round(bitrate) : null,
    video: v
      ? {
          codec: v.codec_name ?? 'unknown',
          width: v.width ?? 0,
          height: v.height ?? 0,
          fps: measuredFps(v.nb_read_packets, duration) ?? rate(v.avg_frame_rate),
        }
      : null,
    audio: a
      ? {
          codec: a.codec_name ?? 'unknown',
          sampleRate: a.sample_rate ? Number(a.sample_rate) : null,
          channels: a.channels ?? null,
        }
      : null,
  };
}
