/**
 * The contract between the server that owns a recording and the recorder
 * worker that runs its bot, wherever that worker runs (inside the server,
 * or `npm run worker` on another machine).
 *
 * 1. The server puts a job on the durable queue {@link RECORDER_JOB_QUEUE}
 *    (pg-boss; at most one active job per room). Its data is a
 *    {@link RecorderJobPayload}: the bot's job and the server to report to.
 * 2. A worker with room for another bot takes the job, launches the bot,
 *    and opens a Socket.IO connection to `serverUrl` on the namespace
 *    {@link RECORDER_CONTROL_NAMESPACE}, authenticated with the bot's own
 *    recorder token (the one in the page URL): the server knows which bot
 *    is calling, and a replaced bot's token no longer opens the channel.
 * 3. Over that connection the worker reports the bot's milestones and a
 *    heartbeat every {@link heartbeat interval}, and the server asks it to
 *    stop, to close, or for a preview. A bot whose heartbeat lapses (its
 *    worker died, or lost the network) is replaced by the server; a worker
 *    that cannot reach the server for as long closes the bot.
 *
 * Everything here is serializable: no Node or DOM types.
 */
import { z } from 'zod';
import type { RecorderStats } from '#protocol/recorderPage';

/** The pg-boss queue of recorder bot jobs. */
export const RECORDER_JOB_QUEUE = 'recorder-bot';
/** The Socket.IO namespace of the control channel. */
export const RECORDER_CONTROL_NAMESPACE = '/recorder-control';

/** What a bot needs to run (the same fields as the bot's own `RecorderJob`). */
export const recorderBotJobSchema = z.object({
  recordingId: z.string().min(1).max(128),
  roomId: z.string().min(1).max(128),
  /** The recorder token's id: names this bot in logs and on the control channel. */
  botId: z.string().min(1).max(128),
  pageUrl: z.url({ protocol: /^https?$/ }),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  readyTimeoutMs: z.number().int().positive(),
});

export const recorderJobPayloadSchema = z.object({
  version: z.literal(1),
  /** Base URL of the server that owns the recording: the control channel goes there. */
  serverUrl: z.url({ protocol: /^https?$/ }),
  /** The bot's recorder token (also in the page URL's fragment). */
  token: z.string().min(1).max(4096),
  bot: recorderBotJobSchema,
  /** Heartbeat period the server expects, in milliseconds. */
  heartbeatMs: z.number().int().positive(),
  /** Silence after which either side takes the other for gone, in milliseconds. */
  lapseMs: z.number().int().positive(),
});
export type RecorderJobPayload = z.infer<typeof recorderJobPayloadSchema>;

/** Handshake `auth` of a control connection. */
export const controlHandshakeSchema = z.object({
  token: z.string().min(1).max(4096),
  workerId: z.string().min(1).max(200),
  host: z.string().min(1).max(255),
  pid: z.number().int().nonnegative(),
});
export type ControlHandshake = z.infer<typeof controlHandshakeSchema>;

/** A bot milestone, reported by the worker (in order, on one connection). */
export const botEventSchema = z.discriminatedUnion('type', [
  /** The page joined and started recording. */
  z.object({ type: z.literal('ready') }),
  /** The page's first slice reached the server. */
  z.object({ type: z.literal('first-slice') }),
  z.object({ type: z.literal('error'), message: z.string().max(4000), fatal: z.boolean() }),
  z.object({ type: z.literal('console'), line: z.string().max(4000) }),
  /** The bot is gone; after this the worker closes the connection. */
  z.object({ type: z.literal('closed'), reason: z.string().max(4000) }),
]);
export type BotEvent = z.infer<typeof botEventSchema>;

/** Sent by the worker every `heartbeatMs` while the bot runs. */
export interface BotHeartbeat {
  /** The bot's Chromium process id on the worker's host (null before launch). */
  browserPid: number | null;
  state: 'starting' | 'ready' | 'stopping' | 'closed';
  uptimeMs: number;
  /** The page's own stats; null while the page cannot answer. */
  page: RecorderStats | null;
  lastError: string | null;
}

/** What `stop` answers. */
export type ControlStopAnswer =
  { ok: true; lastSeq: number; bytesSent: number; flushed: boolean } | { ok: false; error: string };

/** What `preview` answers: a JPEG. */
export type ControlPreviewAnswer = { ok: true; jpeg: Uint8Array } | { ok: false; error: string };

/** Worker → server. */
export interface ControlWorkerEvents {
  'bot-event': (event: BotEvent) => void;
  heartbeat: (beat: BotHeartbeat) => void;
}

/** Server → worker. */
export interface ControlServerEvents {
  stop: (request: { timeoutMs: number }, answer: (result: ControlStopAnswer) => void) => void;
  close: (request: { reason: string }) => void;
  preview: (request: Record<string, never>, answer: (result: ControlPreviewAnswer) => void) => void;
}
