/**
 * The page-to-bot contract of the recorder page: the only module that both the
 * page (browser) and the recorder bot (Node) import. No DOM types here.
 *
 * In: the page URL (or, for a warm page, the same handed to `begin()`).
 * Everything but the token travels in the query string;
 * the token travels in the URL fragment (`#token=...`), which browsers never
 * send to a server, so it cannot land in an access log or a Referer header.
 * The page removes the fragment from its address bar once it has read it.
 *
 * Out:
 * - `window[RECORDER_GLOBAL]` ({@link RecorderPageApi}): the current state,
 *   live stats, and `stop()`, which flushes the last slice and ends.
 * - Console lines `[recorder-signal] {json}` ({@link RecorderSignal}), one per
 *   milestone: `ready`, `first-frame`, `first-slice`, `error`, `ended`.
 * - On a fatal failure, a visible element matching {@link ERROR_SELECTOR}
 *   holding the message (also in the `error` signal and `stats().lastError`).
 * - The composed picture, at its real size at the page's top left: a
 *   screenshot of a `width`×`height` viewport is a live preview (refreshed
 *   at least twice a second).
 * - A `[recorder] stats {...}` console line every 10 s, for the logs.
 *
 * After a fatal `error` the page keeps recording whatever it still can
 * (for example the last picture after the room closed) and uploading slices
 * until the bot calls `stop()` or closes the browser: the bot decides.
 */
import { z } from 'zod';
import { ROOM_ID_MESSAGE, ROOM_ID_PATTERN } from '#protocol/ids';
import {
  DEFAULT_RECORDING_LAYOUT,
  recordingLayoutSchema,
  type RecordingLayout,
  type ResolvedLayout,
} from '#protocol/layout';

/** Name of the page global through which the bot reads state and stops. */
/**
 * The composite's video codecs MediaRecorder writes (into Matroska/WebM
 * slices, whatever the codec): H.264 by default (Chromium's OpenH264:
 * measured, a third less CPU than VP9 at the same picture quality, and the
 * HLS job copies it instead of transcoding it; see the README); VP9 for a
 * WebM (on 2 busy cores Chromium's VP8 encoder falls behind, VP9 keeps up).
 */
export const RECORDER_VIDEO_CODECS = ['vp8', 'vp9', 'h264'] as const;
export type RecorderVideoCodec = (typeof RECORDER_VIDEO_CODECS)[number];

export const RECORDER_GLOBAL = '__recorder';
/** Prefix of every signal line the page writes with `console.info`. */
export const SIGNAL_PREFIX = '[recorder-signal] ';
/** Selector of the element the page shows on a fatal failure. */
export const ERROR_SELECTOR = '[data-testid="recorder-error"]';
/** Path of the recorder page on the server, relative to `server`. */
export const RECORDER_PAGE_PATH = '/recorder';
/** Fragment key carrying the recorder token. */
export const TOKEN_FRAGMENT_KEY = 'token';

const intParam = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** The recorder page's parameters, with the defaults the page applies. */
export const recorderParamsSchema = z.object({
  /** Base URL of the server (origin, optionally with a path), no trailing slash needed. */
  server: z.url({ protocol: /^https?$/ }),
  /** Recorder JWT scoped to this recording (read from the fragment). */
  token: z.string().min(1).max(4096),
  roomId: z.string().regex(ROOM_ID_PATTERN, ROOM_ID_MESSAGE),
  recordingId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'recordingId: 1-128 of A-Z a-z 0-9 _ -'),
  width: intParam(160, 3840, 1280),
  height: intParam(120, 2160, 720),
  fps: intParam(1, 60, 30),
  /** See {@link RECORDER_VIDEO_CODECS}. */
  videoCodec: z.enum(RECORDER_VIDEO_CODECS).default('h264'),
  /** Bits per second. */
  videoBitrate: intParam(100_000, 50_000_000, 2_500_000),
  /** Bits per second. */
  audioBitrate: intParam(16_000, 510_000, 128_000),
  /** The layout at start; `setLayout()` changes it while recording. */
  layout: recordingLayoutSchema.default(DEFAULT_RECORDING_LAYOUT),
  /** MediaRecorder timeslice: one uploaded slice per this many milliseconds. */
  sliceMs: intParam(100, 10_000, 1000),
});

/** Parsed parameters (defaults applied). */
export type RecorderParams = z.output<typeof recorderParamsSchema>;
/** Parameters as the bot gives them: all but server, token, roomId and recordingId are optional. */
export type RecorderParamsInput = z.input<typeof recorderParamsSchema>;

export type ParseParamsResult =
  { ok: true; params: RecorderParams } | { ok: false; message: string };

/**
 * Parses the page's `location.search` and `location.hash`. Never throws; a
 * failure names every bad parameter (the token's value is never echoed).
 */
export function parseRecorderParams(search: string, hash: string): ParseParamsResult {
  const input: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    if (key !== TOKEN_FRAGMENT_KEY) input[key] = value;
  }
  const token = new URLSearchParams(hash.replace(/^#/, '')).get(TOKEN_FRAGMENT_KEY);
  if (token !== null) input[TOKEN_FRAGMENT_KEY] = token;
  const result = recorderParamsSchema.safeParse(input);
  if (result.success) return { ok: true, params: result.data };
  const message = result.error.issues
    .map((issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`)
    .join('; ');
  return { ok: false, message: `invalid recorder parameters: ${message}` };
}

/**
 * The URL the bot opens: `{server}{RECORDER_PAGE_PATH}?...#token=...`.
 * `pageUrl` overrides where the page is served (defaults to the server's).
 */
export function buildRecorderUrl(params: RecorderParamsInput, pageUrl?: string): string {
  const checked = recorderParamsSchema.parse(params);
  const url = new URL(pageUrl ?? `${checked.server.replace(/\/+$/, '')}${RECORDER_PAGE_PATH}`);
  const { token, ...rest } = checked;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(rest)) search.set(key, String(value));
  url.search = search.toString();
  url.hash = new URLSearchParams({ [TOKEN_FRAGMENT_KEY]: token }).toString();
  return url.toString();
}

/**
 * Page states, in order of a normal life:
 * - `loading`: parsing parameters, checking codecs;
 * - `joining`: connecting to the room as the hidden recorder peer;
 * - `waiting`: recording, but nobody is in the room (the waiting screen is recorded);
 * - `recording`: recording at least one participant tile;
 * - `stopping`: `stop()` called, flushing the last slice;
 * - `ended`: every slice uploaded, the page left the room;
 * - `error`: a fatal failure (see `stats().lastError`); `stop()` still flushes
 *   what was recorded when the recorder itself is alive.
 */
export const recorderStates = [
  'loading',
  'joining',
  'waiting',
  'recording',
  'stopping',
  'ended',
  'error',
] as const;
export type RecorderState = (typeof recorderStates)[number];

/** What `stats()` returns; cheap to call (the bot polls it about once a second). */
export interface RecorderStats {
  state: RecorderState;
  /** Tiles in the grid (participant cameras, screen shares, placeholders). */
  tiles: number;
  /** Composed frames drawn into the recorded canvas since recording started. */
  framesDrawn: number;
  /** Composed frames per second over the last second or so. */
  framesPerSecond: number;
  /** Clock ticks skipped because drawing fell behind the configured fps. */
  droppedFrames: number;
  /** Average time to draw one composed frame, in milliseconds (last second or so). */
  drawMsAvg: number;
  /** Slices the server has acknowledged. */
  slicesSent: number;
  /** Bytes of acknowledged slices. */
  bytesSent: number;
  /** Sequence number of the last acknowledged slice; -1 before the first. */
  lastSliceSeq: number;
  /** Slices produced but not yet acknowledged. */
  pendingSlices: number;
  /** Remote audio tracks currently mixed. */
  audioTracks: number;
  /** Milliseconds since the page started. */
  uptimeMs: number;
  /** The last error's message (fatal or not), or null. */
  lastError: string | null;
  /** The layout asked for (`setLayout`, or the parameter). */
  layout: RecordingLayout;
  /** The layout drawn: `auto` resolved (`presentation` while a screen is shared). */
  drawnLayout: ResolvedLayout;
  /** The speaker the layout features (debounced), or null. */
  activeSpeakerPeerId: string | null;
  /** Tiles left out of the picture (a strip's overflow). */
  hiddenTiles: number;
}

/** Resolved by `stop()`: the last sequence number the server holds and the total bytes. */
export interface RecorderStopResult {
  lastSeq: number;
  bytesSent: number;
}

/** The object the page exposes as `window[RECORDER_GLOBAL]`. */
export interface RecorderPageApi {
  readonly state: RecorderState;
  stats(): RecorderStats;
  /**
   * Requests the last data, stops the MediaRecorder, waits until every slice
   * is acknowledged, leaves the room, then signals `ended`. Idempotent: every
   * call returns the same promise. Rejects when slices could not be uploaded.
   */
  stop(): Promise<RecorderStopResult>;
  /** Changes the layout from the next frame on (the owner's request, through the bot). */
  setLayout(layout: RecordingLayout): void;
  /**
   * On a warm page (opened as `{RECORDER_PAGE_PATH}?{WARM_PARAM}=1`, loaded
   * and waiting): starts the recording that a recorder URL's query string
   * and fragment describe, exactly as if the page had been opened at that
   * URL. False (and the page in `error`) when the parameters are invalid or
   * the page was not waiting.
   */
  begin(search: string, hash: string): boolean;
}

/**
 * Header of each slice upload: milliseconds since the page's MediaRecorder
 * started, when the request left. A duration, not a timestamp (the page may
 * run on another machine's clock): the server subtracts it from the arrival
 * of the first slice with media to place the recording's time zero.
 */
export const ELAPSED_HEADER = 'x-recorder-elapsed-ms';

/** Query parameter of a warm page: loaded, waiting for `begin()`. */
export const WARM_PARAM = 'warm';

/** The URL of a warm recorder page at the same place as `pageUrl` (the same origin and path). */
export function warmPageUrl(pageUrl: string): string {
  const url = new URL(pageUrl);
  url.search = new URLSearchParams({ [WARM_PARAM]: '1' }).toString();
  url.hash = '';
  return url.toString();
}

const signalSchema = z.discriminatedUnion('type', [
  /** Joined the room and MediaRecorder started. */
  z.object({ type: z.literal('ready'), mimeType: z.string() }),
  /**
   * The first composed frame was drawn into the recorded canvas after the
   * MediaRecorder started: the waiting screen when nobody is there, otherwise
   * the grid. `videoTiles` counts tiles that showed a decoded video frame.
   */
  z.object({ type: z.literal('first-frame'), tiles: z.number(), videoTiles: z.number() }),
  /** The server acknowledged slice 0. */
  z.object({ type: z.literal('first-slice'), bytes: z.number() }),
  /** A failure; `fatal` ones also show the error element and set state `error`. */
  z.object({ type: z.literal('error'), message: z.string(), fatal: z.boolean() }),
  /** `stop()` finished: every slice up to `lastSeq` is on the server. */
  z.object({ type: z.literal('ended'), lastSeq: z.number(), bytesSent: z.number() }),
]);

/** A signal the page sends to the bot. */
export type RecorderSignal = z.infer<typeof signalSchema>;
export type RecorderSignalType = RecorderSignal['type'];

/** The console line for a signal (the page writes it with `console.info`). */
export function formatSignal(signal: RecorderSignal): string {
  return SIGNAL_PREFIX + JSON.stringify(signal);
}

/** Reads a console line; returns null for any line that is not a valid signal. */
export function parseSignal(line: string): RecorderSignal | null {
  if (!line.startsWith(SIGNAL_PREFIX)) return null;
  let json: unknown;
  try {
    json = JSON.parse(line.slice(SIGNAL_PREFIX.length));
  } catch {
    return null;
  }
  const result = signalSchema.safeParse(json);
  return result.success ? result.data : null;
}
