/**
 * The fast path: the canvas's control and each video's frame stream are
 * transferred to the compositor Worker, which draws on its own thread; the
 * page only records `canvas.captureStream()`. No decoded frame ever touches
 * the page's main thread.
 */
import type { CompositorStats } from './CompositorEngine';
import {
  emptyCompositorStats,
  type Compositor,
  type CompositorOptions,
  type TrackProcessorConstructor,
} from './Compositor';
import type { FromWorker, ToWorker } from './compositorMessages';
import type { TileSpec } from './TileBook';

export interface WorkerCompositorOptions extends CompositorOptions {
  workerUrl: URL;
  TrackProcessor: TrackProcessorConstructor;
}

/** Compositing in a Dedicated Worker on an OffscreenCanvas. */
export class WorkerCompositor implements Compositor {
  readonly mode = 'worker' as const;
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
  }: WorkerCompositorOptions) {
    this.#TrackProcessor = TrackProcessor;
    this.#onError = onError;
    canvas.width = width;
    canvas.height = height;
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
    this.#post({ type: 'init', canvas: offscreen, width, height, fps }, [offscreen]);
  }

  setTiles(tiles: TileSpec[]): void {
    this.#post({ type: 'tiles', tiles });
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
