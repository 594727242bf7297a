/**
 * Messages between the recorder page and its compositor Worker. The page
 * transfers its canvas (OffscreenCanvas) once, the output stream of a track
 * generator when it has one (the I420 path), and each video's frame stream
 * (a MediaStreamTrackProcessor's ReadableStream: in Chromium both exist only
 * on the page); the worker reports stats and its first frame.
 */
import type { CompositorStats, FirstFrameInfo, SceneSpec } from './CompositorEngine';

export type ToWorker =
  | {
      type: 'init';
      /** The page's canvas: recorded (canvas path) or a preview for screenshots (I420 path). */
      canvas: OffscreenCanvas;
      /** A track generator's input: compose in I420 and write frames here. */
      output: WritableStream<VideoFrame> | null;
      width: number;
      height: number;
      fps: number;
    }
  | { type: 'scene'; scene: SceneSpec }
  | { type: 'video'; videoId: string; frames: ReadableStream<VideoFrame> }
  | { type: 'remove-video'; videoId: string }
  | { type: 'start' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'stats'; stats: CompositorStats }
  | { type: 'first-frame'; info: FirstFrameInfo }
  | { type: 'error'; message: string; fatal: boolean };
