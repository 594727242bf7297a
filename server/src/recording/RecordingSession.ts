/**
 * One recording while its bots run: launches a bot, receives its slices
 * into the file, tracks who is in the room, and on stop (asked or timed
 * out) drains the bot, fsyncs the file and hands the recording over to
 * finalization. Owned by RecordingService, which removes it on '@close'.
 *
 * A recording outlives its bot: once it is recording, a bot that crashes,
 * closes, or sends no slice for `stallTimeoutMs` is replaced by a new one
 * (with its own recorder token) that records a new segment file; the
 * interruption is remembered with how much media it cost. Only after
 * `maxBotRestarts` replacements in a row fail without a slice does the
 * recording end, keeping what it has. A bot that fails before the first
 * slice ever arrived fails the recording at once (a start failure, e.g. a
 * page that never gets ready, is not cured by retrying it).
 */
import {
  DEFAULT_RECORDING_LAYOUT,
  recordingLayoutSchema,
  type RecordingLayout,
} from '#protocol/layout';
import { InsufficientStorageError } from '../errors';
import type { RecordingRow } from '#db/schema';
import type { RecordingsRepository } from '#db/repositories/RecordingsRepository';
import type { RecorderBot, RecorderBotLauncher, RecorderJob } from '#recorder-bot/types';
import type { Logger } from '../logger';
import { EnhancedEventEmitter } from '../utils/EnhancedEventEmitter';
import { SliceWriter, type SliceResult } from './SliceWriter';
import { segmentPath } from './recordingFiles';
import type { RoomDirectory } from './RoomDirectory';
import type { PeerInfo } from '#protocol/signalling';

/** A bot to launch: its job (page URL with a fresh recorder token) and that token's id. */
export interface BotTicket {
  job: RecorderJob;
  tokenId: string;
}

export interface RecordingSessionOptions {
  recording: RecordingRow;
  /** The recording's directory: segment files go there. */
  dir: string;
  /** Issues the ticket of the next bot (the first, and each replacement). */
  nextBot: () => BotTicket;
  launcher: RecorderBotLauncher;
  repository: RecordingsRepository;
  rooms: RoomDirectory;
  logger: Logger;
  stopTimeoutMs: number;
  maxDurationMs: number;
  /** A ready bot that sends no slice for this long is taken for hung and replaced. */
  stallTimeoutMs: number;
  /** Replacements in a row that may fail (no slice) before the recording ends. */
  maxBotRestarts: number;
}

/** A gap in the recording: `at` ms into it a bot failed; `lostMs` of media are missing there. */
export interface Interruption {
  at: number;
  lostMs: number | null;
  reason: string;
}

interface SessionTotals {
  bytes: number;
  slices: number;
  stoppedAt: Date;
  durationMs: number;
  /** How many segment files were written (1 unless a bot was replaced). */
  segments: number;
  interruptions: Interruption[];
}

/** Why a session ended. `stopped`: asked; `failed`: the bot(s) died or never got ready. */
export type SessionEnd =
  ({ kind: 'stopped' } & SessionTotals) | ({ kind: 'failed'; reason: string } & SessionTotals);

interface Segment {
  index: number;
  writer: SliceWriter;
  tokenId: string;
  /** When its bot reported ready (its MediaRecorder started). */
  readyAt?: number;
  /** The segment's media time zero (its recorder's start), placed with its first media. */
  mediaStartAt?: number;
  lastSliceAt?: number;
}

export interface RecordingSessionEvents {
  /** First slice persisted: the recording is really recording. */
  recording: [startedAt: Date];
  /** A bot failed mid-recording; a replacement is being launched. */
  interrupted: [interruption: Interruption];
  /** A replacement bot's first slice is persisted: the recording goes on. */
  resumed: [interruption: Interruption];
  /** The session ended; the file is complete on disk (possibly empty). */
  ended: [end: SessionEnd];
  '@close': [];
  listenerError: [event: string, error: unknown];
}

export class RecordingSession extends EnhancedEventEmitter<RecordingSessionEvents> {
  readonly recordingId: string;
  readonly roomId: string;
  readonly title: string;
  readonly startedBy: string;
  readonly createdAt = new Date();
  /** The layout asked for: each bot (a replacement too) starts with it. */
  layout: RecordingLayout;
  readonly #options: RecordingSessionOptions;
  readonly #log: Logger;
  readonly #segments: Segment[] = [];
  readonly #interruptions: Interruption[] = [];
  #bot?: RecorderBot;
  #startedAt?: Date;
  /** Replacements launched since the last one that delivered a slice. */
  #failedReplacements = 0;
  #replacing?: Promise<void>;
  #stallTimer?: NodeJS.Timeout;
  #ending?: Promise<SessionEnd>;
  #closed = false;
  #maxDurationTimer?: NodeJS.Timeout;
  #unwatchPeers?: () => void;
  #participantWrites: Promise<unknown> = Promise.resolve();

  constructor(options: RecordingSessionOptions) {
    super();
    this.#options = options;
    this.recordingId = options.recording.id;
    this.roomId = options.recording.roomId;
    this.title = options.recording.title;
    this.startedBy = options.recording.startedBy;
    const layout = recordingLayoutSchema.safeParse(options.recording.metadata.layout);
    this.layout = layout.success ? layout.data : DEFAULT_RECORDING_LAYOUT;
    this.#log = options.logger.child({
      module: 'recording-session',
      recordingId: this.recordingId,
      roomId: this.roomId,
    });
  }

  /** The recorder token the server accepts slices and joins from: the current bot's. */
  get tokenId(): string | undefined {
    return this.#segments.at(-1)?.tokenId;
  }

  get interruptions(): readonly Interruption[] {
    return this.#interruptions;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Set once the first slice is persisted. */
  get startedAt(): Date | undefined {
    return this.#startedAt;
  }

  get ending(): boolean {
    return this.#ending !== undefined;
  }

  get bot(): RecorderBot | undefined {
    return this.#bot;
  }

  get bytesReceived(): number {
    return this.#segments.reduce((n, s) => n + s.writer.bytesWritten, 0);
  }

  /** Media stored so far, in ms: each segment from its recorder's start to its last stored slice. */
  get recordedMs(): number {
    return this.#segments.reduce(
      (n, s) =>
        n + (s.mediaStartAt && s.lastSliceAt ? Math.max(0, s.lastSliceAt - s.mediaStartAt) : 0),
      0,
    );
  }

  /** When the last slice was stored (`Date.now()` ms), if one was. */
  get lastSliceAt(): number | undefined {
    return this.#segments.at(-1)?.lastSliceAt;
  }

  get slicesReceived(): number {
    return this.#segments.reduce((n, s) => n + s.writer.nextSeq, 0);
  }

  /**
   * Starts tracking participants and launches the first bot, waiting for its
   * page to be ready. On failure the session ends as failed (the returned
   * promise still resolves: the outcome is reported through 'ended').
   */
  async start(): Promise<void> {
    const { rooms, maxDurationMs } = this.#options;
    this.#trackParticipants(rooms);
    this.#maxDurationTimer = setTimeout(() => {
      this.#log.warn({ maxDurationMs }, 'maximum duration reached: stopping');
      void this.stop();
    }, maxDurationMs);
    this.#maxDurationTimer.unref();
    this.#stallTimer = setInterval(() => this.#checkStall(), 1_000);
    this.#stallTimer.unref();
    try {
      await this.#launchBot();
    } catch (error) {
      this.#log.error({ err: error }, 'recorder bot failed to start');
      await this.#end({ failure: `recorder failed to start: ${(error as Error).message}` });
    }
  }

  /** Opens the next segment and launches a bot for it; resolves once its page is ready. */
  async #launchBot(): Promise<void> {
    const ticket = this.#options.nextBot();
    const segment: Segment = {
      index: this.#segments.length,
      writer: new SliceWriter(segmentPath(this.#options.dir, this.#segments.length)),
      tokenId: ticket.tokenId,
    };
    await segment.writer.open();
    this.#segments.push(segment);
    const bot = await this.#options.launcher.launch(ticket.job);
    this.#bot = bot;
    bot.on('error', (error, fatal) => {
      this.#log.warn({ err: error, fatal }, 'recorder bot reported an error');
      if (fatal) this.#botFailed(bot, error.message);
    });
    bot.once('close', (reason) => this.#botFailed(bot, `recorder bot closed: ${reason}`));
    if (this.#ending) {
      // Stopped while the browser was launching.
      bot.close('recording ended during launch');
      return;
    }
    await bot.ready();
    segment.readyAt = Date.now();
    this.#log.info({ segment: segment.index }, 'recorder bot ready');
  }

  /** A bot died, closed or hung: replace it once recording, else the recording fails. */
  #botFailed(bot: RecorderBot, reason: string): void {
    if (bot !== this.#bot || this.#ending) return;
    if (!this.#startedAt) {
      void this.#end({ failure: reason });
      return;
    }
    this.#replacing ??= this.#replace(bot, reason).finally(() => (this.#replacing = undefined));
  }

  async #replace(failed: RecorderBot, reason: string): Promise<void> {
    const failedAt = Date.now();
    const interruption: Interruption = {
      at: failedAt - this.#startedAt!.getTime(),
      lostMs: null,
      reason,
    };
    this.#interruptions.push(interruption);
    this.#log.warn({ interruption }, 'recorder bot failed mid-recording: replacing it');
    this.safeEmit('interrupted', interruption);
    this.#dropBot(`replaced: ${reason}`);
    failed.close(`replaced: ${reason}`);
    await this.#segments
      .at(-1)
      ?.writer.finish()
      .catch((error: unknown) => {
        this.#log.error({ err: error }, 'could not fsync a segment');
      });
    let lastReason = reason;
    while (!this.#ending) {
      if (this.#failedReplacements >= this.#options.maxBotRestarts) {
        await this.#end({
          failure: `the recorder failed ${this.#failedReplacements} times in a row (last: ${lastReason})`,
        });
        return;
      }
      this.#failedReplacements += 1;
      try {
        await this.#launchBot();
        return;
      } catch (error) {
        lastReason = (error as Error).message;
        this.#log.error({ err: error }, 'replacement recorder bot failed to start');
        this.#dropBot('replacement failed');
      }
    }
  }

  /** Forgets the current bot (its events are ignored from now on) and closes it. */
  #dropBot(reason: string): void {
    const bot = this.#bot;
    this.#bot = undefined;
    bot?.close(reason);
  }

  /** A ready bot that has sent nothing for `stallTimeoutMs` is hung. */
  #checkStall(): void {
    const bot = this.#bot;
    const segment = this.#segments.at(-1);
    if (!bot || !segment?.readyAt || this.#ending || this.#replacing) return;
    const quietSince = segment.lastSliceAt ?? segment.readyAt;
    const quietMs = Date.now() - quietSince;
    if (quietMs > this.#options.stallTimeoutMs) {
      this.#botFailed(bot, `no slice for ${Math.round(quietMs / 1000)} s (hung?)`);
    }
  }

  /**
   * Stores one slice from the bot holding `tokenId` (the caller checked the
   * token). `elapsedMs`: how long after its recorder started the page sent
   * it; with the first media it places the segment's time zero exactly
   * (the ready signal travels a longer way, and may come after).
   */
  async acceptSlice(
    tokenId: string,
    seq: number,
    data: Uint8Array,
    elapsedMs?: number,
  ): Promise<SliceResult> {
    const segment = this.#segments.at(-1);
    if (!segment || segment.tokenId !== tokenId) return { outcome: 'closed', seq };
    let result: SliceResult;
    try {
      result = await segment.writer.write(seq, data);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
      // The file was rolled back to its last whole slice: stop cleanly with what it holds.
      void this.stopBecause('the recordings disk is full');
      throw new InsufficientStorageError('the recordings disk is full; the recording stops');
    }
    if (result.outcome === 'appended') {
      const now = Date.now();
      const previous = this.#segments[segment.index - 1];
      // The first slice carrying bytes (an early one may be empty) is the start of the media.
      const firstMedia = data.byteLength > 0 && segment.writer.bytesWritten === data.byteLength;
      if (firstMedia) {
        segment.mediaStartAt = elapsedMs !== undefined ? now - elapsedMs : (segment.readyAt ?? now);
      }
      if (firstMedia && segment.index === 0) {
        // The first slices hold the media from the recorder's start, so that is
        // when the recording started (not when its first bytes arrived).
        this.#startedAt = new Date(segment.mediaStartAt ?? now);
        this.safeEmit('recording', this.#startedAt);
      } else if (firstMedia && previous) {
        // Media is missing from the old bot's last stored slice to the new bot's start.
        const interruption = this.#interruptions.at(-1);
        if (interruption) {
          interruption.lostMs = (segment.mediaStartAt ?? now) - (previous.lastSliceAt ?? now);
          this.#failedReplacements = 0;
          this.#log.info({ interruption }, 'recording resumed with a new recorder bot');
          this.safeEmit('resumed', interruption);
        }
      }
      segment.lastSliceAt = now;
    } else if (result.outcome === 'gap' || result.outcome === 'conflict') {
      this.#log.warn({ result }, 'slice refused');
    }
    return result;
  }

  /** Asks the bot to flush and end; resolves when the file is complete. Idempotent. */
  stop(): Promise<SessionEnd> {
    return this.#end({});
  }

  /** Stops with a reason the recording keeps (a full disk): what was written is finalized. */
  stopBecause(reason: string): Promise<SessionEnd> {
    return this.#end({ failure: reason });
  }

  #end({ failure }: { failure?: string }): Promise<SessionEnd> {
    this.#ending ??= this.#doEnd(failure);
    return this.#ending;
  }

  async #doEnd(failure: string | undefined): Promise<SessionEnd> {
    // The recording ends when the stop is asked, not when the last slice lands.
    const stoppedAt = new Date();
    clearTimeout(this.#maxDurationTimer);
    clearInterval(this.#stallTimer);
    const bot = this.#bot;
    const segment = this.#segments.at(-1);
    let reason = failure;
    // After a fatal page error the page may still hold its last slice (it
    // keeps recording until told to stop): flush it too, keeping the reason.
    if (bot && !bot.closed) {
      try {
        const result = await bot.stop(this.#options.stopTimeoutMs);
        if (!result.flushed) reason ??= 'recorder did not flush its last slice in time';
        else if (segment && result.lastSeq + 1 !== segment.writer.nextSeq) {
          this.#log.warn(
            { pageLastSeq: result.lastSeq, stored: segment.writer.nextSeq },
            'page and server disagree on the last slice',
          );
        }
      } catch (error) {
        reason ??= `recorder stop failed: ${(error as Error).message}`;
      }
    }
    bot?.close('recording ended');
    for (const { writer } of this.#segments) {
      await writer.finish().catch((error: unknown) => {
        this.#log.error({ err: error }, 'could not fsync the recording file');
        reason ??= 'could not write the recording file';
      });
    }
    this.#unwatchPeers?.();
    await this.#participantWrites;
    await this.#options.repository
      .closeParticipants(this.recordingId, stoppedAt)
      .catch((error: unknown) => this.#log.error({ err: error }, 'closing participants failed'));
    const durationMs = this.#startedAt ? stoppedAt.getTime() - this.#startedAt.getTime() : 0;
    const totals: SessionTotals = {
      bytes: this.bytesReceived,
      slices: this.slicesReceived,
      stoppedAt,
      durationMs,
      segments: this.#segments.filter((s) => s.writer.bytesWritten > 0).length,
      interruptions: [...this.#interruptions],
    };
    const end: SessionEnd = reason
      ? { kind: 'failed', reason, ...totals }
      : { kind: 'stopped', ...totals };
    this.#log.info({ end }, 'recording session ended');
    this.safeEmit('ended', end);
    this.close();
    return end;
  }

  #trackParticipants(rooms: RoomDirectory): void {
    const repo = this.#options.repository;
    const write = (task: () => Promise<void>) => {
      this.#participantWrites = this.#participantWrites
        .then(task)
        .catch((error: unknown) => this.#log.error({ err: error }, 'participant write failed'));
    };
    const joined = (peer: PeerInfo, at: Date) =>
      write(() =>
        repo.participantJoined({
          recordingId: this.recordingId,
          peerId: peer.peerId,
          userId: peer.userId,
          fullName: peer.displayName,
          role: peer.role === 'recorder' ? 'student' : peer.role,
          joinedAt: at,
        }),
      );
    const now = new Date();
    for (const peer of rooms.listPeers(this.roomId)) joined(peer, now);
    this.#unwatchPeers = rooms.watchPeers({
      joined: (roomId, peer, at) => {
        if (roomId === this.roomId) joined(peer, at);
      },
      left: (roomId, peerId, at) => {
        if (roomId !== this.roomId) return;
        write(() => repo.participantLeft(this.recordingId, peerId, at));
      },
    });
  }

  /** Idempotent and synchronous: releases everything without waiting for the bot. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#maxDurationTimer);
    clearInterval(this.#stallTimer);
    this.#unwatchPeers?.();
    this.#bot?.close('session closed');
    for (const { writer } of this.#segments) void writer.finish().catch(() => undefined);
    this.safeEmit('@close');
  }
}
