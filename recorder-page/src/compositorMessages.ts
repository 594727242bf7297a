/**
 * Messages between the recorder page and its compositor Worker. The page
 * transfers the canvas (OffscreenCanvas) once and each video's frame stream
 * (a MediaStreamTrackProcessor's ReadableStream: the processor exists only on
 * the page in Chromium); the worker reports stats and its first frame.
 */
import type { CompositorStats, FirstFrameInfo } from './CompositorEngine';
import type { TileSpec } from './TileBook';

export type ToWorker =
  | { type: 'init'; canvas: OffscreenCanvas; width: number; height: number; fps: number }
  | { type: 'tiles'; tiles: TileSpec[] }
  | { type: 'video'; videoId: string; frames: ReadableStream<VideoFrame> }
  | { type: 'remove-video'; videoId: string }
  | { type: 'start' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'stats'; stats: CompositorStats }
  | { type: 'first-frame'; info: FirstFrameInfo }
  | { type: 'error'; message: string; fatal: boolean };
