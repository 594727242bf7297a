/**
 * Starts and stops recordings, receives their slices, finalizes their
 * files, and tells the room about every transition. Start and stop of the
 * recordings of one room are serialized (KeyedQueue), and the database's
 * one-active-recording-per-room index backs that up across processes.
 */
import { DEFAULT_RECORDING_LAYOUT, type RecordingLayout } from '#protocol/layout';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingRow } from '#db/schema';
import { ActiveRecordingExistsError } from '#db/repositories/RecordingsRepository';
import type { RequestOrigin } from '#db/repositories/AuditRepository';
import type { RecorderBotLauncher } from '#recorder-bot/types';
import { buildRecorderUrl } from '#protocol/recorderPage';
import type { ActiveRecordingInfo } from '#protocol/signalling';
import type { AppContext } from '../context';
import type { Logger } from '../logger';
import type { RecorderPrincipal, UserPrincipal } from '../auth/tokens';
import {
  ConflictError,
  ForbiddenError,
  InsufficientStorageError,
  InvalidStateError,
  NotFoundError,
  UnavailableError,
} from '../errors';
import { KeyedQueue } from '../utils/KeyedQueue';
import { RecordingSession, type BotTicket, type SessionEnd } from './RecordingSession';
import type { RoomDirectory } from './RoomDirectory';
import type { SliceResult } from './SliceWriter';
import type { RecordingFinalizer } from './RecordingFinalizer';
import { RAW_FILE, listSegments, recordingDir } from './recordingFiles';
import { isActive } from '#protocol/recordingLifecycle';
import type { WebhookEventType } from '#protocol/webhooks';

export interface StartRecordingInput {
  roomId: string;
  title: string;
  description?: string | undefined;
  layout?: RecordingLayout | undefined;
}

export interface RecordingServiceOptions {
  ctx: AppContext;
  rooms: RoomDirectory;
  launcher: RecorderBotLauncher;
  /** Base URL at which the bot's browser reaches this server. */
  publicUrl: () => string;
  /** Told after a recording changed (status, title, shares, deletion), to push it to its viewers. */
  onChange?: (recordingId: string) => void;
  /** This server's id on the recordings' leases. */
  nodeId: string;
  /** Told of each recording event worth a webhook (started, stopped, ready, failed, deleted, shared). */
  onEvent?: (type: WebhookEventType, recordingId: string) => void;
  /** Where finalization runs (a durable job on this server's queue). */
  finalizer: RecordingFinalizer;
}

/** How often free disk space is read while recordings run. */
const DISK_CHECK_MS = 2_000;

const mb = (bytes: number) => Math.floor(bytes / (1024 * 1024));

/** How long a shutting-down server waits for the finalizations it queued. */
const FINALIZE_DRAIN_MS = 60_000;

const noOrigin: RequestOrigin = { ip: null, userAgent: null };

export class RecordingService {
  readonly #ctx: AppContext;
  readonly #rooms: RoomDirectory;
  readonly #launcher: RecorderBotLauncher;
  readonly #publicUrl: () => string;
  readonly #onChange: (recordingId: string) => void;
  readonly #nodeId: string;
  readonly #onEvent: (type: WebhookEventType, recordingId: string) => void;
  readonly #log: Logger;
  #leaseTimer?: NodeJS.Timeout;
  #diskTimer?: NodeJS.Timeout | undefined;
  #recoverTimer?: NodeJS.Timeout;
  #recovering?: Promise<void>;
  readonly #queue = new KeyedQueue();
  /** Active sessions by recording id. */
  readonly #sessions = new Map<string, RecordingSession>();
  readonly #finalizer: RecordingFinalizer;
  /** End handling (status writes, events) of sessions that just ended. */
  readonly #endHandling = new Map<string, Promise<void>>();
  #closed = false;

  constructor({
    ctx,
    rooms,
    launcher,
    publicUrl,
    onChange = () => {},
    nodeId,
    onEvent = () => {},
    finalizer,
  }: RecordingServiceOptions) {
    this.#finalizer = finalizer;
    this.#ctx = ctx;
    this.#onEvent = onEvent;
    this.#onChange = onChange;
    this.#nodeId = nodeId;
    this.#rooms = rooms;
    this.#launcher = launcher;
    this.#publicUrl = publicUrl;
    this.#log = ctx.logger.child({ module: 'recording-service' });
  }

  get sessions(): ReadonlyMap<string, RecordingSession> {
    return this.#sessions;
  }

  /** Directory of one recording's files. */
  recordingDir(roomId: string, recordingId: string): string {
    return recordingDir(this.#ctx.config.recording.storageDir, roomId, recordingId);
  }

  /** The active recording of a room, as shown to people joining it. */
  activeRecordingFor(roomId: string): ActiveRecordingInfo | null {
    for (const s of this.#sessions.values()) {
      if (s.roomId === roomId && !s.ending) {
        return {
          recordingId: s.recordingId,
          title: s.title,
          startedBy: s.startedBy,
          timestamp: (s.startedAt ?? s.createdAt).toISOString(),
          layout: s.layout,
        };
      }
    }
    return null;
  }

  /** True while the recorder token may be used (its session is live). */
  isRecorderTokenValid(principal: RecorderPrincipal): boolean {
    const s = this.#sessions.get(principal.recordingId);
    return !!s && !s.ending && s.tokenId === principal.tokenId && s.roomId === principal.roomId;
  }

  /**
   * Tells the recording's viewers that it changed and, when the change is
   * one of the webhook events, the webhook receivers too; never throws.
   */
  announce(recordingId: string, event?: WebhookEventType): void {
    const listeners = [() => this.#onChange(recordingId)];
    if (event) listeners.push(() => this.#onEvent(event, recordingId));
    // Each on its own: a failing listener does not keep the other from hearing.
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        this.#log.error(
          { err: error, recordingId, event },
          'could not announce a recording change',
        );
      }
    }
  }

  /** Changes title and/or description (the caller checked `manage`). */
  async edit(
    row: RecordingRow,
    patch: { title?: string | undefined; description?: string | null | undefined },
  ): Promise<RecordingRow> {
    const set: { title?: string; description?: string | null } = {};
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.description !== undefined) set.description = patch.description;
    const updated = await this.#ctx.recordings.update(row.id, set);
    if (!updated) throw new NotFoundError('recording not found');
    this.announce(row.id);
    return updated;
  }

  /** Starts recording a room: the room policy's `record` is required (404 for no such room). */
  async start(
    input: StartRecordingInput,
    actor: UserPrincipal,
    origin: RequestOrigin = noOrigin,
  ): Promise<RecordingRow> {
    await this.#ctx.roomAccess.requireRecord(actor, input.roomId);
    return this.#queue.run(`room:${input.roomId}`, async () => {
      if (this.#closed) throw new UnavailableError('server is shutting down');
      if (this.activeRecordingFor(input.roomId)) {
        throw new ConflictError('this room already has an active recording');
      }
      const cfg = this.#ctx.config.recording;
      await this.#requireStorage(actor);
      // Counted in the database: the limit holds across the servers sharing it.
      if (
        this.#sessions.size >= cfg.maxConcurrent ||
        (await this.#ctx.recordings.countActive()) >= cfg.maxConcurrent
      ) {
        throw new UnavailableError('too many recordings in progress; try again later');
      }
      let row: RecordingRow;
      try {
        row = await this.#ctx.recordings.create({
          roomId: input.roomId,
          title: input.title,
          description: input.description ?? null,
          startedBy: actor.userId,
          nodeId: this.#nodeId,
          leaseExpiresAt: this.#leaseUntil(),
          metadata: {
            layout: input.layout ?? DEFAULT_RECORDING_LAYOUT,
            requested: {
              width: cfg.width,
              height: cfg.height,
              fps: cfg.fps,
              videoCodec: cfg.videoCodec,
              videoBitrate: cfg.videoBitrate,
              audioBitrate: cfg.audioBitrate,
            },
          },
        });
      } catch (error) {
        if (error instanceof ActiveRecordingExistsError) {
          throw new ConflictError('this room already has an active recording');
        }
        throw error;
      }
      await this.#ctx.audit.record({
        actorUserId: actor.userId,
        action: 'recording.start',
        recordingId: row.id,
        ...origin,
        details: { roomId: row.roomId },
      });
      this.#launchSession(row);
      this.announce(row.id);
      return row;
    });
  }

  /** 507 when the recordings disk is below RECORDING_MIN_FREE_MB or the owner is over quota. */
  async #requireStorage(actor: UserPrincipal): Promise<void> {
    const { minFreeBytes, quotaBytes } = this.#ctx.config.storage;
    const free = await this.#ctx.storage.freeBytes();
    if (free < minFreeBytes) {
      throw new InsufficientStorageError(
        `not enough disk space to record: ${mb(free)} MB free, ${mb(minFreeBytes)} MB needed (RECORDING_MIN_FREE_MB)`,
      );
    }
    if (quotaBytes > 0) {
      const used = await this.#ctx.recordings.bytesOwnedBy(actor.userId);
      if (used >= quotaBytes) {
        throw new InsufficientStorageError(
          `your recordings take ${mb(used)} MB of your ${mb(quotaBytes)} MB quota: delete some to record again`,
        );
      }
    }
  }

  /**
   * While recordings run, checks the disk every few seconds: below half of
   * RECORDING_MIN_FREE_MB every session stops cleanly (keeping what it has)
   * before a write can fail for want of space.
   */
  #watchDisk(): void {
    if (this.#diskTimer) return;
    this.#diskTimer = setInterval(() => {
      if (this.#sessions.size === 0) {
        clearInterval(this.#diskTimer);
        this.#diskTimer = undefined;
        return;
      }
      void this.#ctx.storage
        .freeBytes()
        .then((free) => {
          const floor = this.#ctx.config.storage.minFreeBytes / 2;
          if (free >= floor) return;
          const reason = `the recordings disk is nearly full (${mb(free)} MB free)`;
          for (const session of this.#sessions.values()) {
            if (session.ending) continue;
            this.#log.error({ recordingId: session.recordingId, free }, reason);
            void session.stopBecause(reason);
          }
        })
        .catch((error: unknown) =>
          this.#log.warn({ err: error }, 'could not read free disk space'),
        );
    }, DISK_CHECK_MS);
    this.#diskTimer.unref();
  }

  #launchSession(row: RecordingRow): void {
    const cfg = this.#ctx.config.recording;
    const dir = this.recordingDir(row.roomId, row.id);
    // Every bot (the first and each replacement) gets a token of its own:
    // a replaced bot that comes back to life can no longer write or join.
    const nextBot = (): BotTicket => {
      const { token, tokenId } = this.#ctx.tokens.issueRecorderToken(
        { recordingId: row.id, roomId: row.roomId },
        cfg.maxDurationSeconds + 15 * 60,
      );
      const pageUrl = buildRecorderUrl({
        server: this.#publicUrl(),
        token,
        roomId: row.roomId,
        recordingId: row.id,
        width: cfg.width,
        height: cfg.height,
        fps: cfg.fps,
        videoCodec: cfg.videoCodec,
        videoBitrate: cfg.videoBitrate,
        audioBitrate: cfg.audioBitrate,
        layout: session.layout,
      });
      return {
        tokenId,
        job: {
          recordingId: row.id,
          roomId: row.roomId,
          botId: tokenId,
          pageUrl,
          width: cfg.width,
          height: cfg.height,
          readyTimeoutMs: cfg.readyTimeoutMs,
        },
      };
    };
    const session = new RecordingSession({
      recording: row,
      dir,
      nextBot,
      launcher: this.#launcher,
      repository: this.#ctx.recordings,
      rooms: this.#rooms,
      logger: this.#ctx.logger,
      stopTimeoutMs: cfg.stopTimeoutMs,
      maxDurationMs: cfg.maxDurationSeconds * 1000,
      stallTimeoutMs: cfg.stallTimeoutMs,
      maxBotRestarts: cfg.maxBotRestarts,
    });
    session.on('interrupted', () => this.announce(row.id));
    session.on('resumed', (interruption) => {
      void this.#ctx.recordings
        .mergeMetadata(row.id, { interruptions: session.interruptions })
        .catch((error: unknown) =>
          this.#log.error(
            { err: error, recordingId: row.id, interruption },
            'could not store an interruption',
          ),
        );
      this.announce(row.id);
    });
    this.#sessions.set(row.id, session);
    this.#watchDisk();
    session.once('@close', () => this.#sessions.delete(row.id));
    session.on('recording', (startedAt) => void this.#onRecording(session, startedAt));
    session.once('ended', (end) => {
      const handling = this.#onEnded(session, end).finally(() => this.#endHandling.delete(row.id));
      this.#endHandling.set(row.id, handling);
    });
    void session.start();
  }

  async #onRecording(session: RecordingSession, startedAt: Date): Promise<void> {
    const row = await this.#ctx.recordings
      .transition(session.recordingId, 'recording', {
        startedAt,
        filePath: join(this.recordingDir(session.roomId, session.recordingId), RAW_FILE),
      })
      .catch((error: unknown) => {
        this.#log.error({ err: error, recordingId: session.recordingId }, 'status update failed');
        return undefined;
      });
    if (!row) return;
    this.announce(row.id, 'recording.started');
    this.#rooms.broadcast(session.roomId, 'recording-started', {
      recordingId: session.recordingId,
      title: session.title,
      startedBy: session.startedBy,
      timestamp: startedAt.toISOString(),
      layout: session.layout,
    });
  }

  async #onEnded(session: RecordingSession, end: SessionEnd): Promise<void> {
    const id = session.recordingId;
    const log = this.#log.child({ recordingId: id, roomId: session.roomId });
    try {
      if (end.bytes === 0) {
        await this.#fail(
          session.roomId,
          id,
          end.kind === 'failed' ? end.reason : 'stopped before any media was recorded',
          end.stoppedAt,
        );
        return;
      }
      if (end.interruptions.length > 0) {
        await this.#ctx.recordings.mergeMetadata(id, { interruptions: end.interruptions });
      }
      // Whatever was recorded is kept, even when the bot failed midway.
      const stopped = await this.#ctx.recordings.transition(id, 'stopped', {
        stoppedAt: end.stoppedAt,
        durationMs: end.durationMs,
        durationSeconds: Math.round(end.durationMs / 1000),
        fileSize: end.bytes,
        error: end.kind === 'failed' ? `recording cut short: ${end.reason}` : null,
        startedAt: session.startedAt ?? end.stoppedAt,
      });
      if (!stopped) return;
      this.announce(id, 'recording.stopped');
      this.#rooms.broadcast(session.roomId, 'recording-stopped', {
        recordingId: id,
        duration: end.durationMs / 1000,
        fileSize: end.bytes,
        timestamp: end.stoppedAt.toISOString(),
      });
      if (end.kind === 'failed') {
        this.#rooms.broadcast(session.roomId, 'recording-error', {
          recordingId: id,
          error: end.reason,
          timestamp: end.stoppedAt.toISOString(),
        });
      }
      this.#finalizer.finalize(stopped);
    } catch (error) {
      log.error({ err: error }, 'could not record the end of a recording');
    }
  }

  async #fail(roomId: string, id: string, reason: string, at: Date): Promise<void> {
    const row = await this.#ctx.recordings.transition(id, 'failed', {
      error: reason,
      stoppedAt: at,
    });
    if (!row) return;
    this.announce(id, 'recording.failed');
    this.#log.warn({ recordingId: id, reason }, 'recording failed');
    this.#rooms.broadcast(roomId, 'recording-error', {
      recordingId: id,
      error: reason,
      timestamp: at.toISOString(),
    });
    await rm(this.recordingDir(roomId, id), { recursive: true, force: true });
  }

  /** The recording, if `actor` may manage it (the recording policy: 404 / 403 otherwise). */
  async #managedRecording(recordingId: string, actor: UserPrincipal): Promise<RecordingRow> {
    const { row } = await this.#ctx.recordingAccess.require(actor, recordingId, 'manage');
    return row;
  }

  async stop(
    recordingId: string,
    actor: UserPrincipal,
    origin: RequestOrigin = noOrigin,
  ): Promise<RecordingRow> {
    const row = await this.#managedRecording(recordingId, actor);
    return this.#queue.run(`room:${row.roomId}`, async () => {
      const session = this.#sessions.get(recordingId);
      if (session) {
        await this.#ctx.audit.record({
          actorUserId: actor.userId,
          action: 'recording.stop',
          recordingId,
          ...origin,
        });
        await session.stop();
        // The session emitted 'ended' before stop() resolved: its handling is registered.
        await this.#endHandling.get(recordingId);
      }
      const current = await this.#ctx.recordings.findById(recordingId, { includeDeleted: true });
      if (!current) throw new NotFoundError('recording not found');
      return current;
    });
  }

  /**
   * Changes the layout of a recording this server runs (the route forwards
   * the request here): the recorder page hears it over the room's signalling
   * and draws it from its next frame; a replacement bot starts with it.
   */
  async changeLayout(
    recordingId: string,
    layout: RecordingLayout,
    actor: UserPrincipal,
    origin: RequestOrigin = noOrigin,
  ): Promise<RecordingRow> {
    await this.#managedRecording(recordingId, actor);
    const session = this.#sessions.get(recordingId);
    if (!session || session.ending) {
      throw new InvalidStateError('only a recording in progress can change its layout');
    }
    const previous = session.layout;
    session.layout = layout;
    await this.#ctx.recordings.mergeMetadata(recordingId, { layout });
    this.#rooms.broadcast(session.roomId, 'recording-layout', { recordingId, layout });
    await this.#ctx.audit.record({
      actorUserId: actor.userId,
      action: 'recording.layout',
      recordingId,
      ...origin,
      details: { from: previous, to: layout },
    });
    this.announce(recordingId);
    const row = await this.#ctx.recordings.findById(recordingId);
    if (!row) throw new NotFoundError('recording not found');
    return row;
  }

  /** Accepts one slice from a bot, after checking that its token is the live one. */
  async acceptSlice(
    principal: RecorderPrincipal,
    recordingId: string,
    seq: number,
    data: Uint8Array,
    /** How long after its recorder started the page sent it, when the page says. */
    elapsedMs?: number,
  ): Promise<SliceResult> {
    if (principal.recordingId !== recordingId) {
      throw new ForbiddenError('this token is for another recording');
    }
    const session = this.#sessions.get(recordingId);
    if (!session || session.tokenId !== principal.tokenId) {
      throw new InvalidStateError('this recording is not accepting slices');
    }
    return session.acceptSlice(principal.tokenId, seq, data, elapsedMs);
  }

  /** Soft-deletes a recording and removes its files. */
  async delete(
    recordingId: string,
    actor: UserPrincipal,
    origin: RequestOrigin = noOrigin,
  ): Promise<Date> {
    const row = await this.#managedRecording(recordingId, actor);
    return this.#queue.run(`room:${row.roomId}`, async () => {
      if (
        this.#sessions.has(recordingId) ||
        this.#finalizer.has(recordingId) ||
        row.status === 'stopped' ||
        row.status === 'processing'
      ) {
        throw new InvalidStateError('stop the recording and let it finish processing first');
      }
      const deletedAt = new Date();
      const deleted = await this.#ctx.recordings.softDelete(recordingId, deletedAt);
      if (!deleted) throw new NotFoundError('recording not found');
      const objects = await this.#ctx.storage.removeAll(row);
      await this.#ctx.audit.record({
        actorUserId: actor.userId,
        action: 'recording.delete',
        recordingId,
        ...origin,
        details: { storage: row.storage, objects },
      });
      this.announce(recordingId, 'recording.deleted');
      return deletedAt;
    });
  }

  /**
   * Deletes finished recordings created more than `retentionDays` ago (soft
   * delete + files), oldest first, in batches. Returns how many it deleted.
   */
  async expireOlderThan(retentionDays: number, now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - retentionDays * 86_400_000);
    let deleted = 0;
    for (;;) {
      const batch = await this.#ctx.recordings.findExpired(before, 100);
      if (batch.length === 0) return deleted;
      for (const row of batch) {
        await this.#queue.run(`room:${row.roomId}`, async () => {
          if (!(await this.#ctx.recordings.softDelete(row.id, now))) return;
          const objects = await this.#ctx.storage.removeAll(row);
          await this.#ctx.audit.record({
            action: 'recording.expired',
            recordingId: row.id,
            details: { retentionDays, storage: row.storage, objects, bytes: row.storedBytes },
          });
          this.#log.info(
            { recordingId: row.id, roomId: row.roomId, storage: row.storage },
            'recording expired and deleted',
          );
          deleted += 1;
        });
      }
    }
  }

  #leaseUntil(): Date {
    return new Date(Date.now() + this.#ctx.config.recording.leaseSeconds * 1000);
  }

  /**
   * Keeps the leases of what this server runs fresh (every third of the
   * lease), and every lease period takes over the recordings of servers
   * that stopped renewing theirs. Call once, after the first recover().
   */
  startLeases(): void {
    const leaseMs = this.#ctx.config.recording.leaseSeconds * 1000;
    this.#leaseTimer = setInterval(() => {
      const ids = [...this.#sessions.keys(), ...this.#finalizer.pendingIds];
      void this.#ctx.recordings
        .renewLeases(this.#nodeId, ids, this.#leaseUntil())
        .catch((error: unknown) => this.#log.error({ err: error }, 'could not renew leases'));
    }, leaseMs / 3);
    this.#leaseTimer.unref();
    this.#recoverTimer = setInterval(() => {
      void this.recover().catch((error: unknown) =>
        this.#log.error({ err: error }, 'could not recover lapsed recordings'),
      );
    }, leaseMs);
    this.#recoverTimer.unref();
  }

  /**
   * Recovers the recordings whose server is gone (their lease lapsed, or
   * they predate leases): claimed atomically, so of several servers only
   * one takes each, and a live server's recordings are never touched.
   * Recordings left pending/recording lost their bot: what reached the disk
   * is finalized, or they fail; stopped/processing ones are finalized again.
   */
  recover({ includeOwn = false }: { includeOwn?: boolean } = {}): Promise<void> {
    this.#recovering ??= this.#recover(includeOwn).finally(() => (this.#recovering = undefined));
    return this.#recovering;
  }

  /**
   * `includeOwn` (at start-up only): also the recordings this node id holds
   * a live lease on, which a previous run of this same server left behind.
   */
  async #recover(includeOwn: boolean): Promise<void> {
    if (this.#closed) return;
    const rows = await this.#ctx.recordings.claimLapsed(this.#nodeId, this.#leaseUntil(), {
      includeOwn,
    });
    for (const row of rows) {
      if (this.#sessions.has(row.id)) continue;
      const segments = await listSegments(this.recordingDir(row.roomId, row.id));
      const size = segments.reduce((n, s) => n + s.size, 0);
      if (isActive(row.status)) {
        if (size === 0) {
          await this.#fail(
            row.roomId,
            row.id,
            'the server restarted before any media was recorded',
            new Date(),
          );
          continue;
        }
        const stopped = await this.#ctx.recordings.transition(row.id, 'stopped', {
          stoppedAt: new Date(),
          fileSize: size,
          error: 'recording cut short: the server restarted',
          startedAt: row.startedAt ?? row.createdAt,
        });
        if (stopped) this.#finalizer.finalize(stopped);
      } else if (size > 0) {
        this.#finalizer.finalize(row);
      } else {
        await this.#fail(row.roomId, row.id, 'recording file missing after restart', new Date());
      }
    }
    if (rows.length > 0) this.#log.info({ count: rows.length }, 'recovered unfinished recordings');
  }

  /** Stops every session (their files are kept and finalized), then waits for finalizations. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#leaseTimer);
    clearInterval(this.#diskTimer);
    clearInterval(this.#recoverTimer);
    await this.#recovering;
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.stop()));
    await Promise.allSettled([...this.#endHandling.values()]);
    // Finalizations queued by this server (most take about a second); any still
    // unfinished stay in the durable queue for its next start.
    await this.#finalizer.drain(FINALIZE_DRAIN_MS);
  }
}
