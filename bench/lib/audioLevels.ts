/**
 * Levels of a recording's mixed audio, read by ffmpeg: the true peak and
 * integrated loudness (EBU R128, `ebur128=peak=true`), the sample peak
 * (`astats`), and, for mixes of pure tones, each tone's RMS level through a
 * narrow band-pass, so that a quiet speaker next to a loud one can be told
 * apart in the mix.
 */
import { runTool } from '#server/recording/ffmpeg';

export interface AudioLevels {
  truePeakDbtp: number | null;
  samplePeakDb: number | null;
  integratedLufs: number | null;
  tones: Array<{ frequency: number; rmsDb: number | null }>;
}

function numberAfter(text: string, pattern: RegExp): number | null {
  const match = pattern.exec(text);
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : null;
}

async function analyse(ffmpeg: string, file: string, filter: string): Promise<string> {
  const { stderr } = await runTool(ffmpeg, [
    '-hide_banner',
    '-nostats',
    '-i',
    file,
    '-map',
    '0:a:0',
    '-af',
    filter,
    '-f',
    'null',
    '-',
  ]);
  return stderr;
}

export async function audioLevels(
  ffmpeg: string,
  file: string,
  toneFrequencies: readonly number[],
): Promise<AudioLevels> {
  const loudness = await analyse(ffmpeg, file, 'ebur128=peak=true');
  // The summary comes last: take the numbers after "Summary:".
  const summary = loudness.slice(loudness.lastIndexOf('Summary:'));
  const stats = await analyse(ffmpeg, file, 'astats=measure_perchannel=none');
  const tones = [];
  for (const frequency of toneFrequencies) {
    const band = await analyse(
      ffmpeg,
      file,
      `bandpass=f=${frequency}:width_type=h:w=30,bandpass=f=${frequency}:width_type=h:w=30,astats=measure_perchannel=none`,
    );
    tones.push({ frequency, rmsDb: numberAfter(band, /RMS level dB:\s*(-?[\d.]+)/) });
  }
  return {
    truePeakDbtp: numberAfter(summary, /True peak:\s*Peak:\s*(-?[\d.]+)/),
    samplePeakDb: numberAfter(stats, /Peak level dB:\s*(-?[\d.]+)/),
    integratedLufs: numberAfter(summary, /I:\s*(-?[\d.]+) LUFS/),
    tones,
  };
}
