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
  audioChannels: number | null;
  /** Bits per second of the audio packets alone. */
  audioBitrate: number;
  /** Seconds between video keyframes: median and shortest. */
  keyframeIntervalSeconds: { median: number; min: number } | null;
}

interface ProbeJson {
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    nb_read_frames?: string;
    sample_rate?: string;
    channels?: number;
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
      '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames,sample_rate,channels:format=duration,size',
      path,
    ],
    { maxBuffer },
  );
  const facts = JSON.parse(stdout) as ProbeJson;
  const video = facts.streams?.find((s) => s.codec_type === 'video');
  const audio = facts.streams?.find((s) => s.codec_type === 'audio');
  /** Each packet of a stream as [pts seconds, size, keyframe]. */
  const packetsOf = async (stream: string) => {
    const { stdout } = await run(
      ffprobe,
      // prettier-ignore
      ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=pts_time,size,flags', '-of', 'csv=p=0', path],
      { maxBuffer },
    );
    return stdout
      .split('\n')
      .map((line) => line.split(','))
      .filter((fields) => fields.length >= 3)
      .map(([pts, size, flags]) => [Number(pts), Number(size), flags!.startsWith('K')] as const);
  };
  const videoPackets = await packetsOf('v:0');
  const audioPackets = await packetsOf('a:0');
  const videoBytes = videoPackets.reduce((sum, [, size]) => sum + size, 0);
  const audioBytes = audioPackets.reduce((sum, [, size]) => sum + size, 0);
  const keyframes = videoPackets.filter(([, , key]) => key).map(([pts]) => pts);
  const gaps = keyframes
    .slice(1)
    .map((t, i) => t - keyframes[i]!)
    .sort((a, b) => a - b);
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
    audioChannels: audio?.channels ?? null,
    audioBitrate: Math.round(perSecond(audioBytes * 8)),
    keyframeIntervalSeconds: gaps.length
      ? {
          median: Math.round(gaps[Math.floor(gaps.length / 2)]! * 1000) / 1000,
          min: Math.round(gaps[0]! * 1000) / 1000,
        }
      : null,
  };
}
