/**
 * The narrow interface between the recording service and a recorder bot.
 * The service only ever talks to a `RecorderBotLauncher` and the
 * `RecorderBot`s it returns, so the in-process Chromium implementation can
 * later be replaced by one that drives a bot in a separate worker process
 * (the calls and events below are all serializable).
 */

import type { z } from 'zod';
import type { RecorderStats } from '#protocol/recorderPage';
import type { recorderBotJobSchema } from '#protocol/recorderControl';

/**
 * One bot's job: the recording and room, the recorder page's full URL (its
 * parameters and token included), the viewport, and how long the page may
 * take to report `ready` before the job fails. The same shape travels on
 * the job queue to remote workers.
 */
export type RecorderJob = z.infer<typeof recorderBotJobSchema>;

export type BotState = 'starting' | 'ready' | 'stopping' | 'closed';

export interface BotStats {
  state: BotState;
  uptimeMs: number;
  /** From the page; null while the page cannot answer. */
  page: RecorderStats | null;
  lastError: string | null;
}

export interface StopResult {
  /** Sequence number of the last slice the page uploaded (-1 if none). */
  lastSeq: number;
  bytesSent: number;
  /** False when the page could not flush in time and was closed anyway. */
  flushed: boolean;
}

export interface RecorderBotEvents {
  /** The page joined and started its MediaRecorder. */
  ready: [];
  /** The page reported its first uploaded slice. */
  'first-slice': [];
  /** A failure; `fatal` ones mean the recording cannot go on. */
  error: [error: Error, fatal: boolean];
  /** One console line of the page (already logged). */
  console: [line: string];
  /** The bot is gone (after stop, close, or a crash). */
  close: [reason: string];
}

export interface RecorderBot {
  readonly recordingId: string;
  readonly closed: boolean;
  /** The browser's process id on the host that runs it, once launched (null before, or unknown). */
  readonly pid: number | null;
  /** Resolves once the page is ready; rejects (and closes) on timeout or crash. */
  ready(): Promise<void>;
  /** Asks the page to flush its last slice and end, then closes the browser. */
  stop(timeoutMs: number): Promise<StopResult>;
  stats(): Promise<BotStats>;
  /** A JPEG of what the page currently draws. */
  preview(): Promise<Buffer>;
  /** The most recent console lines, oldest first. */
  consoleLines(): string[];
  /** Idempotent; kills the browser if it does not exit in time. */
  close(reason?: string): void;
  /** Resolves once the browser process is gone and its profile removed. */
  exited(): Promise<void>;
  on<K extends keyof RecorderBotEvents>(
    event: K,
    listener: (...args: RecorderBotEvents[K]) => void,
  ): this;
  once<K extends keyof RecorderBotEvents>(
    event: K,
    listener: (...args: RecorderBotEvents[K]) => void,
  ): this;
  off<K extends keyof RecorderBotEvents>(
    event: K,
    listener: (...args: RecorderBotEvents[K]) => void,
  ): this;
}

export interface RecorderBotLauncher {
  /**
   * Prepares the launcher before the server recovers recordings: e.g. kills
   * the browsers a previous process left behind. Optional.
   */
  start?(): Promise<void>;
  /**
   * Keeps browsers launched ahead for recordings whose page is at
   * `pageUrl` (any recorder URL of that server), at that size. Optional.
   */
  prewarm?(target: { pageUrl: string; width: number; height: number }): void;
  /** Warm browsers waiting now, for launchers that keep them. */
  readonly warmCount?: number;
  /** Starts a bot for the job; resolves as soon as the browser is launched and the page is loading. */
  launch(job: RecorderJob): Promise<RecorderBot>;
  /** Closes every bot it launched. */
  close(): Promise<void>;
}
