/**
 * The fallback where MediaStreamTrackProcessor is missing: each video plays
 * in a muted <video> element and the engine draws from the elements on the
 * page's own thread (slower: decoding, drawing and the page share a thread).
 */
import { CanvasSurface } from './CanvasSurface';
import {
  CompositorEngine,
  type CompositorStats,
  type FrameSlot,
  type SceneSpec,
} from './CompositorEngine';
import type { Compositor, CompositorOptions } from './Compositor';

interface VideoSlot extends FrameSlot<CanvasImageSource> {
  element: HTMLVideoElement;
}

/** Compositing from <video> elements on the page's thread. */
export class MainThreadCompositor implements Compositor {
  readonly mode = 'main-thread' as const;
  readonly videoTrack: MediaStreamTrack;
  readonly #engine: CompositorEngine<CanvasImageSource>;
  readonly #videos = new Map<string, VideoSlot>();
  readonly #onError: CompositorOptions['onError'];
  #closed = false;

  constructor({ canvas, width, height, fps, onFirstFrame, onError }: CompositorOptions) {
    this.#onError = onError;
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { alpha: false, desynchronized: true });
    if (!context) throw new Error('canvas 2D context unavailable');
    this.#engine = new CompositorEngine({
      surface: new CanvasSurface(context, width, height),
      width,
      height,
      fps,
      slot: (videoId) => this.#slot(videoId),
      onFirstFrame,
    });
    this.#engine.drawFrame();
    const track = canvas.captureStream().getVideoTracks()[0];
    if (!track) throw new Error('canvas.captureStream() gave no video track');
    this.videoTrack = track;
  }

  setScene(scene: SceneSpec): void {
    this.#engine.setScene(scene);
  }

  addVideo(videoId: string, track: MediaStreamTrack): void {
    if (this.#closed) return;
    this.removeVideo(videoId);
    const element = document.createElement('video');
    element.muted = true;
    element.playsInline = true;
    element.srcObject = new MediaStream([track]);
    const slot: VideoSlot = { element, image: null, width: 0, height: 0, seq: 0 };
    this.#videos.set(videoId, slot);
    if ('requestVideoFrameCallback' in element) {
      // A new seq per presented frame: the engine redraws only new pictures.
      const onFrame = () => {
        if (this.#videos.get(videoId) !== slot) return;
        slot.seq++;
        element.requestVideoFrameCallback(onFrame);
      };
      element.requestVideoFrameCallback(onFrame);
    }
    element.play().catch((error: unknown) => {
      this.#onError(`cannot play video ${videoId}: ${String(error)}`, false);
    });
  }

  removeVideo(videoId: string): void {
    const slot = this.#videos.get(videoId);
    if (!slot) return;
    this.#videos.delete(videoId);
    slot.element.pause();
    slot.element.srcObject = null;
  }

  start(): void {
    this.#engine.start();
  }

  stats(): CompositorStats {
    return this.#engine.stats();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#engine.stop();
    for (const videoId of [...this.#videos.keys()]) this.removeVideo(videoId);
  }

  #slot(videoId: string): FrameSlot<CanvasImageSource> | undefined {
    const slot = this.#videos.get(videoId);
    if (!slot) return undefined;
    const { element } = slot;
    if (element.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || element.videoWidth === 0) {
      slot.image = null;
      return slot;
    }
    slot.image = element;
    slot.width = element.videoWidth;
    slot.height = element.videoHeight;
    // Without requestVideoFrameCallback every tick counts as a new frame.
    if (!('requestVideoFrameCallback' in element)) slot.seq++;
    return slot;
  }
}
