/**
 * One recording while its bot runs: launches the bot, receives its slices
 * into the file, tracks who is in the room, and on stop (asked, timed out,
 * or forced by a bot failure) drains the bot, fsyncs the file and hands the
 * recording over to finalization. Owned by RecordingService, which removes
 * it on '@close'.
 */
import type { RecordingRow } from '#db/schema';
import type { RecordingsRepository } from '#db/repositories/RecordingsRepository';
import type { RecorderBot, RecorderBotLauncher, RecorderJob } from '#recorder-bot/types';
import type { Logger } from '../logger';
import { EnhancedEventEmitter } from '../utils/EnhancedEventEmitter';
import { SliceWriter, type SliceResult } from './SliceWriter';
import type { RoomDirectory } from './RoomDirectory';
import type { PeerInfo } from '#protocol/signalling';

export interface RecordingSessionOptions {
  recording: RecordingRow;
  rawPath: string;
  tokenId: string;
  job: RecorderJob;
  launcher: RecorderBotLauncher;
  repository: RecordingsRepository;
  rooms: RoomDirectory;
  logger: Logger;
  stopTimeoutMs: number;
  maxDurationMs: number;
}

/** Why a session ended. `stopped`: asked; `bot-failed`: the bot died or never got ready. */
export type SessionEnd =
  | { kind: 'stopped'; bytes: number; slices: number; stoppedAt: Date; durationMs: number }
  | {
      kind: 'failed';
      reason: string;
      bytes: number;
      slices: number;
      stoppedAt: Date;
      durationMs: number;
    };

export interface RecordingSessionEvents {
  /** First slice persisted: the recording is really recording. */
  recording: [startedAt: Date];
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
  readonly tokenId: string;
  readonly createdAt = new Date();
  readonly #options: RecordingSessionOptions;
  readonly #log: Logger;
  readonly #writer: SliceWriter;
  #bot?: RecorderBot;
  #startedAt?: Date;
  /** When the page's MediaRecorder started (its `ready` signal): the file's time zero. */
  #mediaStartedAt?: Date;
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
    this.tokenId = options.tokenId;
    this.#log = options.logger.child({
      module: 'recording-session',
      recordingId: this.recordingId,
      roomId: this.roomId,
    });
    this.#writer = new SliceWriter(options.rawPath);
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
    return this.#writer.bytesWritten;
  }

  get slicesReceived(): number {
    return this.#writer.nextSeq;
  }

  /**
   * Opens the file, starts tracking participants, launches the bot and waits
   * for its page to be ready. On failure the session ends as failed (the
   * returned promise still resolves: the outcome is reported through 'ended').
   */
  async start(): Promise<void> {
    const { launcher, job, rooms, maxDurationMs } = this.#options;
    try {
      await this.#writer.open();
      this.#trackParticipants(rooms);
      this.#maxDurationTimer = setTimeout(() => {
        this.#log.warn({ maxDurationMs }, 'maximum duration reached: stopping');
        void this.stop();
      }, maxDurationMs);
      this.#maxDurationTimer.unref();
      const bot = await launcher.launch(job);
      this.#bot = bot;
      bot.on('error', (error, fatal) => {
        this.#log.warn({ err: error, fatal }, 'recorder bot reported an error');
        if (fatal) void this.#end({ failure: error.message });
      });
      bot.once('close', (reason) => {
        if (!this.#ending) void this.#end({ failure: `recorder bot closed: ${reason}` });
      });
      if (this.#ending) {
        // Stopped while the browser was launching.
        bot.close('recording ended during launch');
        return;
      }
      await bot.ready();
      this.#mediaStartedAt ??= new Date();
      this.#log.info('recorder bot ready');
    } catch (error) {
      this.#log.error({ err: error }, 'recorder bot failed to start');
      await this.#end({ failure: `recorder failed to start: ${(error as Error).message}` });
    }
  }

  /** Stores one slice from the bot (the caller checked the token). */
  async acceptSlice(seq: number, data: Uint8Array): Promise<SliceResult> {
    const result = await this.#writer.write(seq, data);
    if (result.outcome === 'appended' && seq === 0) {
      // Slice 0 holds the media from the recorder's start, so that is when
      // the recording started (not when its first second arrived).
      this.#startedAt = this.#mediaStartedAt ?? new Date();
      this.safeEmit('recording', this.#startedAt);
    } else if (result.outcome === 'gap' || result.outcome === 'conflict') {
      this.#log.warn({ result }, 'slice refused');
    }
    return result;
  }

  /** Asks the bot to flush and end; resolves when the file is complete. Idempotent. */
  stop(): Promise<SessionEnd> {
    return this.#end({});
  }

  #end({ failure }: { failure?: string }): Promise<SessionEnd> {
    this.#ending ??= this.#doEnd(failure);
    return this.#ending;
  }

  async #doEnd(failure: string | undefined): Promise<SessionEnd> {
    // The recording ends when the stop is asked, not when the last slice lands.
    const stoppedAt = new Date();
    clearTimeout(this.#maxDurationTimer);
    const bot = this.#bot;
    let reason = failure;
    // After a fatal page error the page may still hold its last slice (it
    // keeps recording until told to stop): flush it too, keeping the reason.
    if (bot && !bot.closed) {
      try {
        const result = await bot.stop(this.#options.stopTimeoutMs);
        if (!result.flushed) reason ??= 'recorder did not flush its last slice in time';
        else if (result.lastSeq + 1 !== this.#writer.nextSeq) {
          this.#log.warn(
            { pageLastSeq: result.lastSeq, stored: this.#writer.nextSeq },
            'page and server disagree on the last slice',
          );
        }
      } catch (error) {
        reason ??= `recorder stop failed: ${(error as Error).message}`;
      }
    }
    bot?.close('recording ended');
    await this.#writer.finish().catch((error: unknown) => {
      this.#log.error({ err: error }, 'could not fsync the recording file');
      reason ??= 'could not write the recording file';
    });
    this.#unwatchPeers?.();
    await this.#participantWrites;
    await this.#options.repository
      .closeParticipants(this.recordingId, stoppedAt)
      .catch((error: unknown) => this.#log.error({ err: error }, 'closing participants failed'));
    const durationMs = this.#startedAt ? stoppedAt.getTime() - this.#startedAt.getTime() : 0;
    const common = {
      bytes: this.#writer.bytesWritten,
      slices: this.#writer.nextSeq,
      stoppedAt,
      durationMs,
    };
    const end: SessionEnd = reason
      ? { kind: 'failed', reason, ...common }
      : { kind: 'stopped', ...common };
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
    this.#unwatchPeers?.();
    this.#bot?.close('session closed');
    void this.#writer.finish().catch(() => undefined);
    this.safeEmit('@close');
  }
}
