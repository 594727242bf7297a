/**
 * Post-processing of finished recordings as durable jobs on the queue,
 * after the WebM is `ready` (downloadable as it is):
 *
 *   hls.<node>    transcode to the HLS renditions (H.264/AAC fMP4), seal
 *                 them when encryption is on, and with a bucket upload them;
 *   store.<node>  (STORAGE=s3) upload the WebM, thumbnail, metadata.json and
 *                 HLS tree under {roomId}/{recordingId}/, verify each object
 *                 (size and SHA-256 read back), then switch the recording
 *                 to the bucket and remove the local copy.
 *
 * The queues are per node because the files are on that node's disk. A
 * failed attempt is retried with doubling delays; after the last one the
 * HLS status says `failed` with the reason (the WebM stays served). A job
 * killed mid-way runs again on restart and starts its step over: every step
 * writes to a temporary place first and is safe to repeat.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RecordingRow } from '#db/schema';
import type { HlsStatusName } from '#protocol/delivery';
import type { AppContext } from '../context';
import type { JobQueue } from '../jobs/JobQueue';
import type { Logger } from '../logger';
import { finishedFile, METADATA_FILE, THUMBNAIL_FILE } from '../recording/recordingFiles';
import type { RecordingStorage } from '../storage/RecordingStorage';
import type { IntegrityChecker } from './IntegrityChecker';
import { listFiles } from '../storage/listFiles';
import { renditionsFor, transcodeHls } from './hlsTranscode';

export const HLS_DIR = 'hls';

export interface PostProcessorOptions {
  ctx: AppContext;
  queue: JobQueue;
  nodeId: string;
  integrity: IntegrityChecker;
  /** Tells viewers the recording changed (its JSON: hls status, storage). */
  announce: (recordingId: string) => void;
  /** Progress of the HLS job, pushed to the owner. */
  onProgress: (row: RecordingRow, status: HlsStatusName, progress: number) => void;
}

interface RecordingJob {
  recordingId: string;
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  webm: 'video/webm',
  jpg: 'image/jpeg',
  json: 'application/json',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/** How often progress is written and pushed while ffmpeg runs. */
const PROGRESS_INTERVAL_MS = 1000;

export class PostProcessor {
  readonly #o: PostProcessorOptions & { storage: RecordingStorage };
  readonly #hlsQueue: string;
  readonly #storeQueue: string;
  readonly #log: Logger;
  /** HLS jobs running in this process, by recording: aborted on close. */
  readonly #running = new Map<string, AbortController>();

  constructor(options: PostProcessorOptions) {
    this.#o = { ...options, storage: options.ctx.storage };
    this.#hlsQueue = `hls.${options.nodeId}`;
    this.#storeQueue = `store.${options.nodeId}`;
    this.#log = options.ctx.logger.child({ module: 'post-processor' });
  }

  async start(): Promise<void> {
    const { retryLimit, retryDelaySeconds } = this.#o.ctx.config.postprocess;
    const policy = {
      policy: 'singleton' as const,
      retryLimit,
      retryDelay: retryDelaySeconds,
      retryBackoff: true,
      // Generous: an hour-long lecture at 1/10 of real time is 6 minutes.
      expireInSeconds: 3 * 3600,
    };
    // This node's queues: what is active there died with its previous process.
    for (const name of [this.#hlsQueue, this.#storeQueue]) {
      await this.#o.queue.failOrphaned(name, 'the server restarted during this job');
    }
    await this.#o.queue.register<RecordingJob>(
      this.#hlsQueue,
      policy,
      (job, attempt) => this.#runHls(job.recordingId, attempt.retryCount),
      { pollSeconds: 2 },
    );
    await this.#o.queue.register<RecordingJob>(
      this.#storeQueue,
      policy,
      (job, attempt) => this.#runStore(job.recordingId, attempt.retryCount),
      { pollSeconds: 2 },
    );
  }

  /** A recording just became `ready`: queue what comes next. */
  async afterReady(row: RecordingRow): Promise<void> {
    if (this.#o.ctx.config.hls.enabled) await this.#queueHls(row);
    else if (this.#o.storage.backend === 's3') await this.#queueStore(row);
  }

  /** Produces the HLS renditions again (an admin's retry, or after a failure). */
  async reprocess(row: RecordingRow): Promise<RecordingRow> {
    const updated = await this.#queueHls(row);
    return updated ?? row;
  }

  async #queueHls(row: RecordingRow): Promise<RecordingRow | undefined> {
    const updated = await this.#o.ctx.recordings.update(row.id, {
      hlsStatus: 'pending',
      hlsProgress: 0,
      hlsError: null,
    });
    this.#o.announce(row.id);
    await this.#send(this.#hlsQueue, row);
    return updated;
  }

  async #queueStore(row: Pick<RecordingRow, 'id'>): Promise<void> {
    await this.#send(this.#storeQueue, row);
  }

  /** One job per recording and queue at a time (a second one waits, then finds it done). */
  async #send(queue: string, row: Pick<RecordingRow, 'id'>): Promise<void> {
    await this.#o.queue.send(queue, { recordingId: row.id } satisfies RecordingJob, {
      singletonKey: row.id,
    });
  }

  /** The recording, while it is still ready and not deleted (otherwise the job has nothing to do). */
  async #live(recordingId: string): Promise<RecordingRow | undefined> {
    const row = await this.#o.ctx.recordings.findById(recordingId);
    return row && row.status === 'ready' && row.sha256 ? row : undefined;
  }

  async #runHls(recordingId: string, retryCount: number): Promise<void> {
    const row = await this.#live(recordingId);
    if (!row) return;
    const { ctx, storage } = this.#o;
    const log = this.#log.child({ recordingId });
    const abort = new AbortController();
    this.#running.set(recordingId, abort);
    const dir = storage.dirOf(row);
    const work = join(dir, '.hls-work');
    const finished = finishedFile(row.format);
    const sourceCopy = join(dir, `.hls-source-${finished}`);
    const sealedInputs: Readable[] = [];
    /** Bytes of the HLS tree uploaded to the bucket (recordings stored there). */
    let hlsBytes = 0;
    try {
      await this.#setHls(row, 'processing', 0);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // The local WebM itself; from the bucket, a downloaded copy checked
      // against its SHA-256; sealed, its plaintext streamed into ffmpeg
      // chunk by authenticated chunk (no plaintext copy at rest).
      let input: string | (() => Promise<Readable>) = storage.localPath(row, finished);
      if (row.storage === 's3') {
        await this.#download(row, sourceCopy);
        input = sourceCopy;
      } else if (storage.encrypted) {
        const sealed = input;
        input = async () => {
          const body = await storage.openLocal(sealed);
          sealedInputs.push(body.stream);
          return body.stream;
        };
      }
      let lastPush = 0;
      const cfg = ctx.config.hls;
      const fps = Math.min(60, Math.max(1, Math.round(row.fps ?? ctx.config.recording.fps)));
      const renditions = await transcodeHls({
        ffmpeg: ctx.config.tools.ffmpegPath,
        ffprobe: ctx.config.tools.ffprobePath,
        input,
        copySourceVideo: row.videoCodec === 'h264',
        outDir: work,
        renditions: renditionsFor(row.resolutionHeight ?? 720, cfg.lowHeight),
        source: {
          width: row.resolutionWidth ?? 1280,
          height: row.resolutionHeight ?? 720,
          durationMs: row.durationMs ?? 0,
        },
        fps,
        segmentSeconds: cfg.segmentSeconds,
        preset: cfg.preset,
        audio: row.audioCodec !== null,
        signal: abort.signal,
        onProgress: (fraction) => {
          const now = Date.now();
          if (now - lastPush < PROGRESS_INTERVAL_MS) return;
          lastPush = now;
          void this.#setHls(row, 'processing', fraction).catch(() => {});
        },
      });
      await rm(sourceCopy, { force: true });
      if (!(await this.#live(recordingId))) {
        // Deleted while it was transcoded: nothing of it may stay behind.
        await rm(dir, { recursive: true, force: true });
        return;
      }
      const files = await listFiles(work);
      for (const file of files) await storage.seal(join(work, ...file.split('/')));
      // Swapped in whole: a player never sees half of an old and half of a new tree.
      await rm(join(dir, HLS_DIR), { recursive: true, force: true });
      await rename(work, join(dir, HLS_DIR));
      if (row.storage === 's3') {
        const objects = storage.objects;
        if (!objects) throw new Error('recording is in S3 but STORAGE=s3 is not configured here');
        await objects.deletePrefix(storage.keyOf(row, `${HLS_DIR}/`));
        for (const file of files) {
          const rel = `${HLS_DIR}/${file}`;
          hlsBytes += (await storage.uploadVerified(row, rel, contentTypeOf(rel))).size;
        }
        // Everything of this recording is in the bucket: nothing stays on this disk.
        await rm(dir, { recursive: true, force: true });
      }
      const stored = await this.#storedBytes(row, hlsBytes);
      await ctx.recordings.update(row.id, {
        hlsStatus: 'ready',
        hlsProgress: 1,
        hlsError: null,
        hlsRenditions: renditions,
        storedBytes: stored,
      });
      this.#o.onProgress(row, 'ready', 1);
      this.#o.announce(row.id);
      log.info({ renditions: renditions.map((r) => r.name) }, 'HLS ready');
    } catch (error) {
      await rm(work, { recursive: true, force: true });
      await rm(sourceCopy, { force: true });
      if (row.storage === 's3') await rm(dir, { recursive: true, force: true });
      // Killed by a shutdown, or another attempt is due: the job runs again
      // (not for a file that fails authentication: that does not heal).
      const corrupted = (error as Error).name === 'IntegrityError';
      if (!corrupted && (abort.signal.aborted || retryCount < ctx.config.postprocess.retryLimit)) {
        log.warn({ err: error, attempt: retryCount + 1 }, 'HLS job failed; it will run again');
        await this.#setHls(row, 'pending', 0).catch(() => {});
        throw error;
      }
      log.error({ err: error }, 'HLS job failed');
      if (corrupted) {
        await this.#o.integrity.markCorrupted(row, (error as Error).message);
      }
      await ctx.recordings.update(row.id, {
        hlsStatus: 'failed',
        hlsError: `HLS failed: ${(error as Error).message}`.slice(0, 2000),
      });
      this.#o.onProgress(row, 'failed', 0);
      this.#o.announce(row.id);
    } finally {
      for (const stream of sealedInputs) stream.destroy();
      this.#running.delete(recordingId);
    }
    // The next step whether or not HLS worked: the WebM must reach the bucket.
    if (row.storage === 'local' && storage.backend === 's3') await this.#queueStore(row);
  }

  /** Downloads the WebM from the bucket, hashed on the way, and checks it (a copy is checked). */
  async #download(row: RecordingRow, dst: string): Promise<void> {
    const { stream } = await this.#o.storage.open(row, finishedFile(row.format));
    const hash = createHash('sha256');
    stream.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(stream, createWriteStream(dst, { mode: 0o600 }));
    const ok = await this.#o.integrity.checkCopy(row, hash.digest('hex'));
    if (!ok) throw new Error('the copy downloaded from the bucket does not match its SHA-256');
  }

  async #runStore(recordingId: string, retryCount: number): Promise<void> {
    const row = await this.#live(recordingId);
    if (!row || row.storage === 's3') return;
    const { ctx, storage } = this.#o;
    const log = this.#log.child({ recordingId });
    try {
      const files = (await storage.listLocal(row)).filter(
        (f) => !f.startsWith('.') && !f.includes('/.'),
      );
      let total = 0;
      for (const file of files) {
        const { size, sha256 } = await storage.uploadVerified(row, file, contentTypeOf(file));
        // The WebM's hash is the one stored at finalize: a mismatch is a corrupted copy.
        if (
          file === finishedFile(row.format) &&
          !(await this.#o.integrity.checkCopy(row, sha256))
        ) {
          throw new Error('the WebM no longer matches the SHA-256 stored when it was finalized');
        }
        total += size;
      }
      // Only once every object is verified does the recording move; then the disk is freed.
      await ctx.recordings.update(row.id, { storage: 's3', storedBytes: total });
      await rm(storage.dirOf(row), { recursive: true, force: true });
      this.#o.announce(row.id);
      log.info({ files: files.length, bytes: total }, 'recording moved to the bucket');
    } catch (error) {
      if (retryCount < ctx.config.postprocess.retryLimit) {
        log.warn({ err: error, attempt: retryCount + 1 }, 'upload failed; it will be retried');
        throw error;
      }
      // The recording stays served from this disk; an admin's reprocess tries again.
      log.error({ err: error }, 'upload failed');
    }
  }

  async #setHls(row: RecordingRow, status: HlsStatusName, progress: number): Promise<void> {
    await this.#o.ctx.recordings.update(row.id, { hlsStatus: status, hlsProgress: progress });
    this.#o.onProgress(row, status, progress);
  }

  /** Bytes of every finished file: on this disk, or in the bucket (its HLS tree just uploaded). */
  async #storedBytes(row: RecordingRow, hlsBytes: number): Promise<number> {
    if (row.storage !== 's3') return this.#o.storage.localBytes(row);
    let total = hlsBytes;
    for (const file of [finishedFile(row.format), THUMBNAIL_FILE, METADATA_FILE]) {
      total += (await this.#o.storage.sizeOf(row, file)) ?? 0;
    }
    return total;
  }

  /** Kills running ffmpeg processes (their jobs run again on the next start). */
  close(): void {
    for (const abort of this.#running.values()) abort.abort();
  }
}
