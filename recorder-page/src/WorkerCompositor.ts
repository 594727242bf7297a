/**
 * The fast paths: each video's frame stream is transferred to the compositor
 * Worker, which composes on its own thread; no decoded frame touches the
 * page's main thread. With a MediaStreamTrackGenerator (and an even size)
 * the worker composes in I420 and writes frames to the generator, which is
 * what gets recorded; otherwise it draws on the page's canvas (transferred
 * with `transferControlToOffscreen()`) and the page records
 * `canvas.captureStream()`. Either way the canvas shows the picture, so a
 * screenshot of the page is a preview.
 */
import type { CompositorStats, SceneSpec } from './CompositorEngine';
import {
  emptyCompositorStats,
  type Compositor,
  type CompositorOptions,
  type TrackGeneratorConstructor,
  type TrackProcessorConstructor,
} from './Compositor';
import type { FromWorker, ToWorker } from './compositorMessages';

export interface WorkerCompositorOptions extends CompositorOptions {
  workerUrl: URL;
  TrackProcessor: TrackProcessorConstructor;
  /** When given (and the size is even), the worker composes in I420 into a generated track. */
  TrackGenerator?: TrackGeneratorConstructor | undefined;
}

/** Compositing in a Dedicated Worker on an OffscreenCanvas. */
export class WorkerCompositor implements Compositor {
  readonly mode: 'worker-i420' | 'worker-canvas';
  readonly videoTrack: MediaStreamTrack;
  readonly #worker: Worker;
  readonly #TrackProcessor: TrackProcessorConstructor;
  readonly #onError: CompositorOptions['onError'];
  readonly #videos = new Set<string>();
  #stats: CompositorStats = emptyCompositorStats;
  #closed = false;

  constructor({
    canvas,
    width,
    height,
    fps,
    onFirstFrame,
    onError,
    workerUrl,
    TrackProcessor,
    TrackGenerator,
  }: WorkerCompositorOptions) {
    this.#TrackProcessor = TrackProcessor;
    this.#onError = onError;
    canvas.width = width;
    canvas.height = height;
    const generator =
      TrackGenerator && width % 2 === 0 && height % 2 === 0
        ? new TrackGenerator({ kind: 'video' })
        : undefined;
    this.mode = generator ? 'worker-i420' : 'worker-canvas';
    // Without a generator, record the canvas; no frame rate given: the
    // worker's clock is the one rate limiter (a capped capture drops a frame
    // whenever two commits land closer than 1/fps, as timers do now and then).
    const captured = generator ?? canvas.captureStream().getVideoTracks()[0];
    if (!captured) throw new Error('canvas.captureStream() gave no video track');
    this.videoTrack = captured;
    const offscreen = canvas.transferControlToOffscreen();
    this.#worker = new Worker(workerUrl, { type: 'module', name: 'compositor' });
    this.#worker.addEventListener('message', ({ data }: MessageEvent<FromWorker>) => {
      switch (data.type) {
        case 'stats':
          this.#stats = data.stats;
          break;
        case 'first-frame':
          onFirstFrame(data.info);
          break;
        case 'error':
          onError(data.message, data.fatal);
          break;
      }
    });
    this.#worker.addEventListener('error', (event) => {
      event.preventDefault();
      onError(`compositor worker: ${event.message || 'failed to load'}`, true);
    });
    const output = generator?.writable ?? null;
    this.#post(
      { type: 'init', canvas: offscreen, output, width, height, fps },
      output ? [offscreen, output] : [offscreen],
    );
  }

  setScene(scene: SceneSpec): void {
    this.#post({ type: 'scene', scene });
  }

  addVideo(videoId: string, track: MediaStreamTrack): void {
    if (this.#closed) return;
    let frames: ReadableStream<VideoFrame>;
    try {
      frames = new this.#TrackProcessor({ track }).readable;
    } catch (error) {
      this.#onError(`cannot read video ${videoId}: ${String(error)}`, false);
      return;
    }
    this.#videos.add(videoId);
    this.#post({ type: 'video', videoId, frames }, [frames]);
  }

  removeVideo(videoId: string): void {
    if (!this.#videos.delete(videoId)) return;
    this.#post({ type: 'remove-video', videoId });
  }

  start(): void {
    this.#post({ type: 'start' });
  }

  stats(): CompositorStats {
    return this.#stats;
  }

  close(): void {
    if (this.#closed) return;
    this.#post({ type: 'stop' });
    this.#closed = true;
    this.#videos.clear();
    // The worker posts its last stats on 'stop'; give it a moment before terminating.
    setTimeout(() => this.#worker.terminate(), 200);
  }

  #post(message: ToWorker, transfer: Transferable[] = []): void {
    if (this.#closed) return;
    this.#worker.postMessage(message, transfer);
  }
}
