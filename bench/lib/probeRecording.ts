/** What a finished recording holds, measured with ffprobe (frames decoded and counted, not declared). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RecordingFileFacts {
  sizeBytes: number;
  durationSeconds: number;
  videoCodec: string | null;
  width: number | null;
  height: number | null;
  /** Frames that decode (`-count_frames`). */
  decodedFrames: number;
  /** decodedFrames / duration. */
  effectiveFps: number;
  /** Bits per second of the video packets alone. */
  videoBitrate: number;
  audioCodec: string | null;
  audioSampleRate: number | null;
  /** Bits per second of the whole file. */
  totalBitrate: number;
}

interface ProbeJson {
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    nb_read_frames?: string;
    sample_rate?: string;
  }>;
  format?: { duration?: string; size?: string };
}

export async function probeRecording(ffprobe: string, path: string): Promise<RecordingFileFacts> {
  const maxBuffer = 64 * 1024 * 1024;
  const { stdout } = await run(
    ffprobe,
    // prettier-ignore
    [
      '-v', 'error', '-count_frames', '-of', 'json',
      '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames,sample_rate:format=duration,size',
      path,
    ],
    { maxBuffer },
  );
  const facts = JSON.parse(stdout) as ProbeJson;
  const video = facts.streams?.find((s) => s.codec_type === 'video');
  const audio = facts.streams?.find((s) => s.codec_type === 'audio');
  const { stdout: packets } = await run(
    ffprobe,
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=size',
      '-of',
      'csv=p=0',
      path,
    ],
    { maxBuffer },
  );
  const videoBytes = packets
    .split('\n')
    .map((line) => Number.parseInt(line, 10))
    .filter(Number.isFinite)
    .reduce((sum, n) => sum + n, 0);
  const durationSeconds = Number(facts.format?.duration ?? 0);
  const sizeBytes = Number(facts.format?.size ?? 0);
  const decodedFrames = Number(video?.nb_read_frames ?? 0);
  const perSecond = (n: number) => (durationSeconds > 0 ? n / durationSeconds : 0);
  return {
    sizeBytes,
    durationSeconds,
    videoCodec: video?.codec_name ?? null,
    width: video?.width ?? null,
    height: video?.height ?? null,
    decodedFrames,
    effectiveFps: perSecond(decodedFrames),
    videoBitrate: Math.round(perSecond(videoBytes * 8)),
    audioCodec: audio?.codec_name ?? null,
    audioSampleRate: audio?.sample_rate ? Number(audio.sample_rate) : null,
    totalBitrate: Math.round(perSecond(sizeBytes * 8)),
  };
}
