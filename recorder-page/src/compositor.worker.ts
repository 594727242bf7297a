/**
 * The compositor Worker: owns the OffscreenCanvas that the page records,
 * keeps only the latest VideoFrame of each video (closing the one it
 * replaces at once: a decoder whose frames are not closed stalls), and runs
 * the CompositorEngine's clock. Stats go to the page twice a second.
 */
import { CompositorEngine, type FrameSlot } from './CompositorEngine';
import type { FromWorker, ToWorker } from './compositorMessages';

/** The parts of DedicatedWorkerGlobalScope used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}

interface VideoSlot extends FrameSlot {
  image: VideoFrame | null;
  reader: ReadableStreamDefaultReader<VideoFrame>;
}

const STATS_INTERVAL_MS = 500;

const scope = self as unknown as WorkerScope;
const slots = new Map<string, VideoSlot>();
let engine: CompositorEngine | undefined;
let statsTimer: ReturnType<typeof setInterval> | undefined;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Reads one video's frames until its stream ends or it is removed. */
async function pump(videoId: string, frames: ReadableStream<VideoFrame>): Promise<void> {
  const reader = frames.getReader();
  const slot: VideoSlot = { image: null, width: 0, height: 0, seq: 0, reader };
  slots
    .get(videoId)
    ?.reader.cancel()
    .catch(() => {});
  slots.set(videoId, slot);
  engine?.invalidate(videoId);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (slots.get(videoId) !== slot) {
        value.close();
        break;
      }
      const previous = slot.image;
      slot.image = value;
      slot.width = value.displayWidth;
      slot.height = value.displayHeight;
      slot.seq++;
      previous?.close();
    }
  } catch (error) {
    post({ type: 'error', message: `video ${videoId}: ${describe(error)}`, fatal: false });
  } finally {
    if (slots.get(videoId) === slot) slots.delete(videoId);
    slot.image?.close();
    slot.image = null;
  }
}

function init(canvas: OffscreenCanvas, width: number, height: number, fps: number): void {
  // alpha: false lets the rasterizer skip blending the canvas itself;
  // desynchronized asks for the low-latency path where one exists.
  const context = canvas.getContext('2d', { alpha: false, desynchronized: true });
  if (!context) {
    post({ type: 'error', message: 'OffscreenCanvas 2D context unavailable', fatal: true });
    return;
  }
  engine = new CompositorEngine({
    context,
    width,
    height,
    fps,
    slot: (videoId) => slots.get(videoId),
    onFirstFrame: (info) => post({ type: 'first-frame', info }),
  });
  engine.drawFrame();
  statsTimer = setInterval(() => {
    if (engine) post({ type: 'stats', stats: engine.stats() });
  }, STATS_INTERVAL_MS);
}

function stop(): void {
  engine?.stop();
  if (statsTimer !== undefined) clearInterval(statsTimer);
  if (engine) post({ type: 'stats', stats: engine.stats() });
  for (const slot of slots.values()) slot.reader.cancel().catch(() => {});
}

scope.addEventListener('message', ({ data: message }) => {
  try {
    switch (message.type) {
      case 'init':
        init(message.canvas, message.width, message.height, message.fps);
        break;
      case 'tiles':
        engine?.setTiles(message.tiles);
        break;
      case 'video':
        void pump(message.videoId, message.frames);
        break;
      case 'remove-video':
        slots
          .get(message.videoId)
          ?.reader.cancel()
          .catch(() => {});
        slots.delete(message.videoId);
        break;
      case 'start':
        engine?.start();
        break;
      case 'stop':
        stop();
        break;
    }
  } catch (error) {
    post({ type: 'error', message: `compositor: ${describe(error)}`, fatal: true });
  }
});
