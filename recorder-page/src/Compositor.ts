/**
 * The page's view of the compositor: one canvas to record, tiles to show,
 * video tracks to draw. Two implementations: WorkerCompositor (frames and
 * drawing in a Worker, the fast path) and MainThreadCompositor (the fallback
 * where MediaStreamTrackProcessor is missing).
 */
import type { CompositorStats, FirstFrameInfo, SceneSpec } from './CompositorEngine';

export interface CompositorOptions {
  /** The page's canvas; the compositor sets its size. */
  canvas: HTMLCanvasElement;
  width: number;
  height: number;
  fps: number;
  onFirstFrame: (info: FirstFrameInfo) => void;
  onError: (message: string, fatal: boolean) => void;
}

export interface Compositor {
  readonly mode: 'worker-i420' | 'worker-canvas' | 'main-thread';
  /** The composed video to record. */
  readonly videoTrack: MediaStreamTrack;
  setScene(scene: SceneSpec): void;
  addVideo(videoId: string, track: MediaStreamTrack): void;
  removeVideo(videoId: string): void;
  /** Starts the frame clock. */
  start(): void;
  /** The latest stats (the worker's are at most half a second old). */
  stats(): CompositorStats;
  /** Stops drawing and releases the videos. Idempotent. */
  close(): void;
}

export const emptyCompositorStats: CompositorStats = {
  tiles: 0,
  videoTiles: 0,
  framesDrawn: 0,
  framesPerSecond: 0,
  droppedFrames: 0,
  drawMsAvg: 0,
  drawMsMax: 0,
  economy: false,
  layout: 'grid',
  hiddenTiles: 0,
};

/** `MediaStreamTrackProcessor` (Chromium, on the page; not in TypeScript's DOM lib). */
export interface TrackProcessorConstructor {
  new (init: { track: MediaStreamTrack; maxBufferSize?: number }): {
    readonly readable: ReadableStream<VideoFrame>;
  };
}

/** `MediaStreamTrackGenerator` (Chromium, on the page): a track fed with VideoFrames. */
export interface TrackGeneratorConstructor {
  new (init: { kind: 'video' }): MediaStreamTrack & {
    readonly writable: WritableStream<VideoFrame>;
  };
}

/** The page's MediaStreamTrackGenerator, if the browser has one. */
export function trackGeneratorConstructor(): TrackGeneratorConstructor | undefined {
  return (globalThis as { MediaStreamTrackGenerator?: TrackGeneratorConstructor })
    .MediaStreamTrackGenerator;
}

/** The page's MediaStreamTrackProcessor, if the browser has one. */
export function trackProcessorConstructor(): TrackProcessorConstructor | undefined {
  return (globalThis as { MediaStreamTrackProcessor?: TrackProcessorConstructor })
    .MediaStreamTrackProcessor;
}
