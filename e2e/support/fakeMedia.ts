/**
 * Distinct fake camera and microphone inputs for participant browsers, made
 * with ffmpeg's synthetic sources. Chromium's built-in fake camera draws the
 * same clock-driven picture in every browser, so a test that must tell
 * participants apart in a recording gives each one its own files
 * (--use-file-for-fake-video-capture / --use-file-for-fake-audio-capture).
 */
import { join } from 'node:path';
import { ffmpegGenerate } from '../../server/test/helpers/media';

/** One video source and one tone per participant index. */
const sources = [
  { video: 'testsrc2=size=640x360:rate=15', tone: 440 },
  { video: 'smptehdbars=size=640x360:rate=15', tone: 660 },
  { video: 'rgbtestsrc=size=640x360:rate=15,hue=h=90', tone: 880 },
  { video: 'testsrc=size=640x360:rate=15,negate', tone: 550 },
] as const;

export interface FakeMedia {
  video: string;
  audio: string;
}

/** Writes a 6 s MJPEG clip and a 6 s WAV tone for participant `index` into `dir`. */
export async function makeFakeMedia(dir: string, index: number): Promise<FakeMedia> {
  const source = sources[index % sources.length]!;
  const video = join(dir, `participant-${index}.mjpeg`);
  const audio = join(dir, `participant-${index}.wav`);
  await ffmpegGenerate([
    '-f',
    'lavfi',
    '-i',
    source.video,
    '-t',
    '6',
    '-q:v',
    '6',
    '-f',
    'mjpeg',
    video,
  ]);
  await ffmpegGenerate([
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${source.tone}:sample_rate=48000`,
    '-t',
    '6',
    '-ac',
    '1',
    audio,
  ]);
  return { video, audio };
}

/** Chromium flags that feed these files to getUserMedia. */
export function fakeMediaArgs(media: FakeMedia): string[] {
  return [
    `--use-file-for-fake-video-capture=${media.video}`,
    `--use-file-for-fake-audio-capture=${media.audio}`,
  ];
}

/**
 * A microphone that talks in turns: participant `index`'s tone from
 * `fromSeconds` to `toSeconds` of every `periodSeconds`, silence otherwise
 * (Chromium loops the file). Browsers write the level of what they send into
 * every packet, so the room's active speaker follows these turns.
 */
export async function makeTurnTakingAudio(
  dir: string,
  index: number,
  {
    periodSeconds,
    fromSeconds,
    toSeconds,
  }: { periodSeconds: number; fromSeconds: number; toSeconds: number },
): Promise<string> {
  const source = sources[index % sources.length]!;
  const audio = join(dir, `participant-${index}-turns.wav`);
  const on = `between(mod(t,${periodSeconds}),${fromSeconds},${toSeconds})`;
  await ffmpegGenerate([
    '-f',
    'lavfi',
    '-i',
    `aevalsrc='if(${on},0.5*sin(2*PI*${source.tone}*t),0)':s=48000`,
    '-t',
    String(periodSeconds),
    '-ac',
    '1',
    audio,
  ]);
  return audio;
}
