/**
 * Synthetic participants, from the outside: makes looped VP8 + Opus test
 * clips once (cached per recipe), asks the server's admin API for synthetic
 * participants, and sends each clip with ffmpeg as RTP to their
 * PlainTransports with `-c copy` (no re-encoding: a few % CPU each).
 * Shared by `npm run participants` and the recording benchmark.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RtpInput } from '#server/media/SyntheticParticipants';

const run = promisify(execFile);

/** One lavfi source per participant index (cycled), so every tile looks different. */
const PATTERNS = [
  'testsrc2',
  'smptehdbars',
  'rgbtestsrc',
  'mandelbrot',
  'yuvtestsrc',
  'life',
  'cellauto',
  'pal100bars',
] as const;
const FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
/** ffmpeg's `sine` source peaks at 1/8 of full scale: the default level, as before. */
const SINE_DEFAULT_DB = 20 * Math.log10(1 / 8);

/** The tone of participant `index` (Hz): each its own, so a mix can be taken apart by frequency. */
export function toneOf(index: number): number {
  return 300 + 110 * (index % 16);
}

/**
 * The lip-sync marks of a `sync` clip: once a second, on the second, the
 * whole picture flashes white for {@link SYNC_MARK_SECONDS} and a
 * {@link SYNC_BEEP_HZ} beep sounds for as long (well above every
 * participant's tone, so a high-pass filter finds it in a mix).
 */
export const SYNC_MARK_SECONDS = 0.1;
export const SYNC_BEEP_HZ = 3000;
/** Luma of a sync clip between flashes (limited range: white is 235). */
export const SYNC_DARK_LUMA = 0x30;

export interface ClipOptions {
  /** Participant index (0-based): picks the pattern and the tone. */
  index: number;
  /**
   * `pattern` (default): a test pattern and a steady tone. `sync`: a dark
   * picture that flashes white while a beep sounds, once a second: where the
   * flashes and the beeps land in a recording tells its audio/video offset.
   * `solid`: one colour (`color`) and the tone, easy to find in a recording.
   * `still`: one detailed picture (a fractal) that never changes, and the
   * tone: what the recording makes of it, against {@link stillPicture},
   * tells the recorder's picture quality.
   */
  kind?: 'pattern' | 'sync' | 'solid' | 'still';
  /** The picture of a `solid` clip (an ffmpeg colour: `red`, `0x2040ff`). */
  color?: string;
  /**
   * Talk in turns: the tone sounds only from `fromSeconds` to `toSeconds` of
   * every `periodSeconds` (default: all the time). Clips whose windows do not
   * overlap make their participants take turns as the room's active speaker.
   */
  speech?: { periodSeconds: number; fromSeconds: number; toSeconds: number } | null;
  /** Drawn on the picture when drawtext and the font are available. */
  label: string;
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Level of the participant's tone, dBFS (peak); ffmpeg's sine default is about −18. */
  audioDb?: number;
  cacheDir?: string;
  ffmpegPath?: string;
}

/** `$XDG_CACHE_HOME/classroom-recorder/synthetic-clips` (or under ~/.cache). */
export function defaultClipCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root =
    env.CLASSROOM_RECORDER_CACHE ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'classroom-recorder');
  return join(root, 'synthetic-clips');
}

type ClipRecipe = Required<Omit<ClipOptions, 'cacheDir' | 'ffmpegPath'>>;

/** What a participant's clip looks and sounds like (the load generator picks index and label). */
export type ClipLook = Partial<Omit<ClipOptions, 'index' | 'label' | 'cacheDir' | 'ffmpegPath'>>;

/** The lavfi sources of a clip: [video, audio]. */
function clipSources(recipe: ClipRecipe, withText: boolean): [string, string] {
  const { index, label, width, height, fps, audioDb, speech } = recipe;
  const amplitude = (10 ** (audioDb / 20)).toFixed(6);
  const tone = `${amplitude}*sin(2*PI*${toneOf(index)}*t)`;
  // Single quotes keep the expression's commas out of the filtergraph's syntax.
  const voice = speech
    ? `aevalsrc='if(between(mod(t,${speech.periodSeconds}),${speech.fromSeconds},${speech.toSeconds}),${tone},0)':s=48000`
    : `aevalsrc=${tone}:s=48000`;
  if (recipe.kind === 'solid') {
    return [`color=c=${recipe.color}:size=${width}x${height}:rate=${fps},format=yuv420p`, voice];
  }
  if (recipe.kind === 'still') {
    return [`${stillSource(width, height)},loop=loop=-1:size=1:start=0,fps=${fps}`, voice];
  }
  if (recipe.kind === 'sync') {
    const grey = SYNC_DARK_LUMA.toString(16).padStart(2, '0').repeat(3);
    // Single quotes keep the expressions' commas out of the filtergraph's syntax.
    const on = `lt(mod(t,1),${SYNC_MARK_SECONDS})`;
    return [
      `color=c=0x${grey}:size=${width}x${height}:rate=${fps},format=yuv420p,` +
        `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='${on}'`,
      `aevalsrc='if(${on},${amplitude}*sin(2*PI*${SYNC_BEEP_HZ}*t),0)':s=48000`,
    ];
  }
  const pattern = PATTERNS[index % PATTERNS.length]!;
  const filters = [`${pattern}=size=${width}x${height}:rate=${fps}`, 'format=yuv420p'];
  if (withText) {
    // Only characters that need no filtergraph escaping; the clock shows the picture moving.
    const text = label.replace(/[^A-Za-z0-9 _-]/g, '');
    filters.push(
      `drawtext=fontfile=${FONT_FILE}:text='${text}  %{pts\\:hms}':fontsize=${Math.round(height / 11)}` +
        ':fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8:x=(w-text_w)/2:y=h/15',
    );
  }
  return [filters.join(','), voice];
}

/** The lavfi source of the `still` picture: its first frame is the picture. */
function stillSource(width: number, height: number): string {
  return `mandelbrot=size=${width}x${height}:rate=1:start_scale=0.3,format=yuv420p,trim=end_frame=1,setpts=0`;
}

/** Writes the `still` clip's picture, losslessly (PNG), as the reference it is measured against. */
export async function stillPicture(
  path: string,
  { width = 640, height = 360, ffmpegPath = 'ffmpeg' } = {},
): Promise<void> {
  await run(ffmpegPath, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'lavfi',
    '-i',
    stillSource(width, height),
    '-frames:v',
    '1',
    path,
  ]);
}

function clipArgs(recipe: ClipRecipe, withText: boolean) {
  const { seconds, fps } = recipe;
  const [video, audio] = clipSources(recipe, withText);
  // prettier-ignore
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', video,
    '-f', 'lavfi', '-i', audio,
    '-t', String(seconds), '-map', '0:v', '-map', '1:a',
    // A keyframe every second, so a late consumer (the recorder) gets a picture quickly:
    // ffmpeg's `-c copy` sender cannot answer mediasoup's keyframe requests.
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '600k',
    '-g', String(fps), '-keyint_min', String(fps), '-auto-alt-ref', '0', '-lag-in-frames', '0',
    '-c:a', 'libopus', '-b:a', '48k', '-ac', '2', '-ar', '48000',
    '-f', 'webm',
  ];
}

/** Path of the clip for this participant, made with ffmpeg's lavfi sources on first use. */
export async function ensureClip(options: ClipOptions): Promise<string> {
  const {
    index,
    kind = 'pattern',
    color = 'gray',
    speech = null,
    label,
    seconds = 20,
    width = 640,
    height = 360,
    fps = 30,
    audioDb = SINE_DEFAULT_DB,
    cacheDir = defaultClipCacheDir(),
    ffmpegPath = 'ffmpeg',
  } = options;
  const recipe: ClipRecipe = {
    index,
    kind,
    color,
    speech,
    label,
    seconds,
    width,
    height,
    fps,
    audioDb,
  };
  const attempts = kind === 'pattern' && existsSync(FONT_FILE) ? [true, false] : [false];
  await mkdir(cacheDir, { recursive: true });
  let lastError: unknown;
  for (const withText of attempts) {
    const args = clipArgs(recipe, withText);
    const key = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 12);
    const name = kind === 'pattern' ? PATTERNS[index % PATTERNS.length]! : kind;
    const path = join(cacheDir, `${name}-${index + 1}-${key}.webm`);
    if (existsSync(path)) return path;
    // Written aside and renamed, so a concurrent run never reads half a clip.
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      await run(ffmpegPath, [...args, tmp]);
      await rename(tmp, path);
      return path;
    } catch (error) {
      lastError = error;
      await rm(tmp, { force: true });
    }
  }
  throw new Error(`could not make a test clip: ${(lastError as Error).message}`);
}

/** What POST /api/v1/admin/rooms/:roomId/synthetic-participants answers. */
export interface SyntheticParticipantResponse {
  peerId: string;
  displayName: string;
  video: RtpInput;
  audio: RtpInput;
  screen: RtpInput | null;
}

/** The few admin HTTP calls the load generator makes. */
export class AdminClient {
  constructor(
    readonly server: string,
    readonly token: string,
  ) {}

  /** Logs in and returns a client carrying the user's token. */
  static async login(server: string, email: string, password: string): Promise<AdminClient> {
    const body = await request<{ token: string }>(`${server}/api/v1/auth/login`, {
      method: 'POST',
      body: { email, password },
    });
    return new AdminClient(server, body.token);
  }

  createSyntheticParticipant(
    roomId: string,
    displayName: string,
    { screen = false }: { screen?: boolean } = {},
  ): Promise<SyntheticParticipantResponse> {
    return request(this.#url(roomId), {
      method: 'POST',
      token: this.token,
      body: { displayName, ...(screen ? { screen } : {}) },
    });
  }

  async removeSyntheticParticipant(roomId: string, peerId: string): Promise<void> {
    await request(`${this.#url(roomId)}/${peerId}`, { method: 'DELETE', token: this.token });
  }

  #url(roomId: string): string {
    return `${this.server}/api/v1/admin/rooms/${encodeURIComponent(roomId)}/synthetic-participants`;
  }
}

/** A JSON request; a non-2xx answer throws with the server's error message. */
export async function request<T>(
  url: string,
  { method = 'GET', token, body }: { method?: string; token?: string; body?: unknown } = {},
): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const message = (json as { error?: { message?: string } }).error?.message ?? text;
    throw new Error(`${method} ${url}: ${response.status} ${message}`);
  }
  return json as T;
}

function rtpUrl({ ip, port, rtcpPort }: RtpInput): string {
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return `rtp://${host}:${port}?rtcpport=${rtcpPort}&pkt_size=1200`;
}

/**
 * ffmpeg arguments that loop a clip forever in real time and send it as RTP,
 * without re-encoding; with `screenClip` (and a participant made with a
 * screen), that clip's video goes to the screen share too.
 */
export function senderArgs(
  clip: string,
  participant: SyntheticParticipantResponse,
  screenClip?: string,
): string[] {
  const { video, audio, screen } = participant;
  const rtp = (input: RtpInput) => [
    '-f',
    'rtp',
    '-payload_type',
    String(input.payloadType),
    '-ssrc',
    String(input.ssrc),
    rtpUrl(input),
  ];
  const sharing = screen && screenClip !== undefined;
  // prettier-ignore
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-re', '-stream_loop', '-1', '-i', clip,
    ...(sharing ? ['-re', '-stream_loop', '-1', '-i', screenClip] : []),
    '-map', '0:v:0', '-c:v', 'copy', ...rtp(video),
    '-map', '0:a:0', '-c:a', 'copy', ...rtp(audio),
    ...(sharing ? ['-map', '1:v:0', '-c:v', 'copy', ...rtp(screen)] : []),
  ];
}

export interface RunningParticipant {
  index: number;
  roomId: string;
  participant: SyntheticParticipantResponse;
  clip: string;
  /** The clip sent as this participant's shared screen, if any. */
  screenClip: string | null;
  sender: ChildProcess;
  /** The last lines ffmpeg wrote to stderr (errors only, at this log level). */
  stderrTail(): string;
}

export interface SyntheticLoadOptions {
  client: AdminClient;
  roomId: string;
  count: number;
  /** One clip for everyone; by default each participant gets its own. */
  clip?: string;
  /** Per participant: what the clip looks and sounds like (default: a test pattern and a tone). */
  clipOf?: (index: number) => ClipLook | undefined;
  /** Per participant: a screen to share (its clip's look), or undefined for none. */
  screenOf?: (index: number) => ClipLook | undefined;
  /** Display names are `${namePrefix} 1..count`. */
  namePrefix?: string;
  cacheDir?: string;
  ffmpegPath?: string;
  /** Progress lines (meant for stderr). */
  log?: (line: string) => void;
  /** Called when a sender exits while the load is running. */
  onSenderExit?: (participant: RunningParticipant, code: number | null) => void;
}

/** N synthetic participants in one room, each fed by its own ffmpeg. */
export class SyntheticLoad {
  readonly #options: SyntheticLoadOptions;
  readonly #running: RunningParticipant[] = [];
  #starting: Promise<void> = Promise.resolve();
  #stopRequested = false;
  #stopping?: Promise<void>;

  constructor(options: SyntheticLoadOptions) {
    this.#options = options;
  }

  /** Makes the clips, creates the participants and starts their senders; undoes all of it on failure. */
  async start(): Promise<void> {
    try {
      this.#starting = this.#start();
      await this.#starting;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  get participants(): readonly RunningParticipant[] {
    return this.#running;
  }

  async #start(): Promise<void> {
    const {
      client,
      roomId,
      count,
      namePrefix = 'Synthetic',
      log = () => undefined,
    } = this.#options;
    const names = Array.from({ length: count }, (_, i) => `${namePrefix} ${i + 1}`);
    // Clips first, one at a time: making one is the only expensive step, and only the first time.
    const clips: string[] = [];
    const screens: Array<string | null> = [];
    const make = async (index: number, label: string, look: ClipLook | undefined) => {
      const started = performance.now();
      const path = await ensureClip({
        index,
        label,
        ...look,
        ...(this.#options.cacheDir ? { cacheDir: this.#options.cacheDir } : {}),
        ...(this.#options.ffmpegPath ? { ffmpegPath: this.#options.ffmpegPath } : {}),
      });
      const ms = Math.round(performance.now() - started);
      if (ms > 500) log(`made clip ${path} in ${ms} ms`);
      return path;
    };
    for (const [index, label] of names.entries()) {
      if (this.#stopRequested) return;
      clips.push(this.#options.clip ?? (await make(index, label, this.#options.clipOf?.(index))));
      const screen = this.#options.screenOf?.(index);
      screens.push(screen ? await make(index, `${label} screen`, screen) : null);
    }
    for (const [index, displayName] of names.entries()) {
      if (this.#stopRequested) return;
      const screenClip = screens[index] ?? null;
      const participant = await client.createSyntheticParticipant(roomId, displayName, {
        screen: screenClip !== null,
      });
      this.#running.push(this.#spawn(index, roomId, participant, clips[index]!, screenClip));
    }
  }

  #spawn(
    index: number,
    roomId: string,
    participant: SyntheticParticipantResponse,
    clip: string,
    screenClip: string | null,
  ): RunningParticipant {
    const args = senderArgs(clip, participant, screenClip ?? undefined);
    const sender = spawn(this.#options.ffmpegPath ?? 'ffmpeg', args, {
      // ffmpeg prints the SDP of its RTP outputs on stdout: nobody needs it.
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    sender.stderr?.setEncoding('utf8');
    sender.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    const running: RunningParticipant = {
      index,
      roomId,
      participant,
      clip,
      screenClip,
      sender,
      stderrTail: () => stderr.trim(),
    };
    sender.once('exit', (code) => {
      if (!this.#stopRequested) this.#options.onSenderExit?.(running, code);
    });
    // A missing ffmpeg binary surfaces here; the exit handler reports it.
    sender.once('error', (error) => {
      stderr += `\n${error.message}`;
    });
    return running;
  }

  /**
   * Idempotent: kills every sender (SIGKILL after 2 s) and removes every
   * participant. During start, it lets the step under way finish first, so
   * nothing created meanwhile is left behind.
   */
  stop(): Promise<void> {
    this.#stopRequested = true;
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const { client, log = () => undefined } = this.#options;
    await this.#starting.catch(() => undefined);
    await Promise.all(this.#running.map((p) => killProcess(p.sender)));
    const results = await Promise.allSettled(
      this.#running.map((p) => client.removeSyntheticParticipant(p.roomId, p.participant.peerId)),
    );
    for (const result of results) {
      if (result.status === 'rejected')
        log(`could not remove a participant: ${String(result.reason)}`);
    }
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function killProcess(child: ChildProcess, graceMs = 2_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
