/**
 * Finalization as a durable job: a stopped recording's segments are joined,
 * remuxed (seekable, with its duration), probed, hashed and thumbnailed by a
 * job on this server's own queue (`finalize.<nodeId>`: the files are on its
 * disk). A failed attempt is retried with backoff; after the last one the
 * recording fails with the reason. A server that dies mid-job loses nothing:
 * the job is still in the queue when it starts again (and recovery queues
 * any `stopped`/`processing` recording it takes over).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingRow } from '#db/schema';
import type { WebhookEventType } from '#protocol/webhooks';
import type { AppContext } from '../context';
import type { JobQueue } from '../jobs/JobQueue';
import type { Logger } from '../logger';
import { finalizeRecording, joinSegments } from './finalizeRecording';
import { participantJson } from './participantJson';
import { finishedFile, RAW_FILE, THUMBNAIL_FILE, listSegments } from './recordingFiles';
import type { RoomDirectory } from './RoomDirectory';

export interface RecordingFinalizerOptions {
  ctx: AppContext;
  queue: JobQueue;
  nodeId: string;
  rooms: RoomDirectory;
  recordingDir: (roomId: string, recordingId: string) => string;
  announce: (recordingId: string, event?: WebhookEventType) => void;
  /** Told once a recording is ready (post-processing queues its jobs). */
  onReady?: (row: RecordingRow) => Promise<void>;
  /** Attempts after the first before the recording fails. */
  retryLimit?: number;
  /** Seconds before the first retry (doubling after). */
  retryDelaySeconds?: number;
}

interface FinalizeJob {
  recordingId: string;
}

/** Statuses a finalization job works on; any other means it is done (or gone). */
const FINALIZABLE = new Set(['stopped', 'processing']);

export class RecordingFinalizer {
  readonly #options: RecordingFinalizerOptions;
  readonly #queueName: string;
  readonly #log: Logger;
  /** Recordings queued by this process, resolved when their job is done for good. */
  readonly #pending = new Map<string, { done: Promise<void>; settle: () => void }>();

  constructor(options: RecordingFinalizerOptions) {
    this.#options = options;
    this.#queueName = `finalize.${options.nodeId}`;
    this.#log = options.ctx.logger.child({ module: 'recording-finalizer' });
  }

  async start(): Promise<void> {
    const { retryLimit = 2, retryDelaySeconds = 5 } = this.#options;
    // Only this node works its queue: an active job died with its previous process.
    await this.#options.queue.failOrphaned(this.#queueName, 'the server restarted during this job');
    await this.#options.queue.register<FinalizeJob>(
      this.#queueName,
      {
        // One attempt at a time per recording; a second job for it waits, then finds it done.
        policy: 'singleton',
        retryLimit,
        retryDelay: retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: 30 * 60,
      },
      (job, attempt) => this.#run(job.recordingId, attempt.retryCount),
      { pollSeconds: 1 },
    );
  }

  /** Recordings this process has queued and not seen finished (their leases stay renewed). */
  get pendingIds(): string[] {
    return [...this.#pending.keys()];
  }

  has(recordingId: string): boolean {
    return this.#pending.has(recordingId);
  }

  /** Queues the finalization of a stopped (or half-processed) recording. Idempotent. */
  finalize(row: RecordingRow): void {
    if (this.#pending.has(row.id)) return;
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.#pending.set(row.id, { done, settle });
    this.#options.queue
      .send(this.#queueName, { recordingId: row.id } satisfies FinalizeJob, {
        singletonKey: row.id,
      })
      .catch((error: unknown) => {
        // The row stays `stopped`: recovery queues it again.
        this.#log.error({ err: error, recordingId: row.id }, 'could not queue a finalization');
        this.#settle(row.id);
      });
  }

  /** Waits (up to `timeoutMs`) for the finalizations this process queued. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.#pending.values()].map((p) => p.done)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  #settle(recordingId: string): void {
    this.#pending.get(recordingId)?.settle();
    this.#pending.delete(recordingId);
  }

  async #run(recordingId: string, retryCount: number): Promise<void> {
    const { ctx } = this.#options;
    const row = await ctx.recordings.findById(recordingId, { includeDeleted: true });
    if (!row || row.deletedAt || !FINALIZABLE.has(row.status)) {
      this.#settle(recordingId);
      return;
    }
    try {
      await this.#finalizeOnce(row);
      this.#settle(recordingId);
    } catch (error) {
      const retryLimit = this.#options.retryLimit ?? 2;
      if (retryCount < retryLimit) {
        this.#log.warn(
          { err: error, recordingId, attempt: retryCount + 1 },
          'finalization failed; it will be retried',
        );
        throw error;
      }
      this.#log.error({ err: error, recordingId }, 'finalization failed');
      await this.#fail(row, error as Error);
      this.#settle(recordingId);
    }
  }

  async #finalizeOnce(row: RecordingRow): Promise<void> {
    const { ctx, announce, rooms } = this.#options;
    const { ffmpegPath, ffprobePath } = ctx.config.tools;
    const dir = this.#options.recordingDir(row.roomId, row.id);
    const processing =
      row.status === 'processing' ? row : await ctx.recordings.transition(row.id, 'processing');
    if (!processing) return;
    if (row.status !== 'processing') announce(row.id);
    const participants = await ctx.recordings.listParticipants(row.id);
    // Several segments (a bot was replaced): join them first, in order, without re-encoding.
    const segments = await listSegments(dir);
    const rawPath =
      segments.length > 1
        ? await joinSegments({
            ffmpeg: ffmpegPath,
            segments: segments.map((s) => s.path),
            outputPath: join(dir, '.joined.mkv'),
          })
        : (segments[0]?.path ?? (await finishedFileIn(dir)));
    const result = await finalizeRecording({
      ffmpeg: ffmpegPath,
      ffprobe: ffprobePath,
      rawPath,
      dir,
      metadata: {
        recordingId: row.id,
        roomId: row.roomId,
        title: row.title,
        description: row.description,
        startedBy: row.startedBy,
        startedAt: row.startedAt,
        stoppedAt: row.stoppedAt,
        participants: participants.map(participantJson),
      },
    });
    const { probe } = result;
    const durationMs = probe.durationMs ?? row.durationMs ?? 0;
    // Sealed (encrypted at rest) before anyone can fetch them; the sealed
    // WebM is read back against the hash just taken, as after any copy.
    const { storage } = ctx;
    let storedBytes = 0;
    for (const file of [result.path, result.thumbnailPath, result.metadataPath]) {
      if (file) storedBytes += await storage.seal(file);
    }
    if (storage.encrypted && (await storage.sha256OfLocal(result.path)) !== result.sha256) {
      throw new Error('the encrypted recording does not read back as written');
    }
    const ready = await ctx.recordings.transition(row.id, 'ready', {
      filePath: result.path,
      fileSize: result.fileSize,
      sha256: result.sha256,
      durationMs,
      durationSeconds: Math.round(durationMs / 1000),
      format: result.format,
      videoCodec: probe.video?.codec ?? null,
      audioCodec: probe.audio?.codec ?? null,
      resolutionWidth: probe.video?.width ?? null,
      resolutionHeight: probe.video?.height ?? null,
      fps: probe.video?.fps ?? null,
      bitrate: probe.bitrate,
      completedAt: new Date(),
      storage: 'local',
      storedBytes,
      integrity: 'ok',
      verifiedAt: new Date(),
    });
    await ctx.recordings.mergeMetadata(row.id, {
      thumbnail: result.thumbnailPath ? THUMBNAIL_FILE : null,
      audioSampleRate: probe.audio?.sampleRate ?? null,
      audioChannels: probe.audio?.channels ?? null,
    });
    if (!ready) return;
    await this.#options
      .onReady?.(ready)
      .catch((error: unknown) =>
        this.#log.error({ err: error, recordingId: row.id }, 'could not queue post-processing'),
      );
    announce(row.id, 'recording.ready');
    this.#log.info({ recordingId: row.id, durationMs, size: result.fileSize }, 'recording ready');
    rooms.broadcast(row.roomId, 'recording-ready', { recordingId: row.id, status: 'ready' });
  }

  async #fail(row: RecordingRow, error: Error): Promise<void> {
    const { ctx, announce, rooms } = this.#options;
    const failed = await ctx.recordings.transition(
      row.id,
      'failed',
      { error: `finalization failed: ${error.message}`.slice(0, 2000) },
      { from: ['processing', 'stopped'] },
    );
    if (!failed) return;
    announce(row.id, 'recording.failed');
    rooms.broadcast(row.roomId, 'recording-error', {
      recordingId: row.id,
      error: 'finalization failed',
      timestamp: new Date().toISOString(),
    });
  }
}

/**
 * A finalization that ran again after its raw segment was removed (it
 * crashed after the MP4 was written): the finished file is finalized again.
 */
async function finishedFileIn(dir: string): Promise<string> {
  const mp4 = join(dir, finishedFile('mp4'));
  return (await stat(mp4).then(
    () => true,
    () => false,
  ))
    ? mp4
    : join(dir, RAW_FILE);
}
