/**
 * The compositor Worker. Two ways to produce the recorded picture:
 * - I420 (when the page gives a track generator's stream): each new video
 *   frame is copied into a YUV buffer and closed at once, the I420Surface
 *   composes, and every tick writes one VideoFrame to the generator; the
 *   page's canvas only gets a preview twice a second (for screenshots);
 * - canvas: the latest VideoFrame of each video is kept (the one it replaces
 *   is closed at once: a decoder whose frames are not closed stalls) and
 *   drawn onto the page's transferred canvas, which the page records.
 * Stats go to the page twice a second.
 */
import { CanvasSurface } from './CanvasSurface';
import { CompositorEngine, type FrameSlot } from './CompositorEngine';
import type { FromWorker, ToWorker } from './compositorMessages';
import { createI420, i420ToRgba, nv12ToI420, rgbaToI420, type I420 } from './i420';
import { I420Surface } from './I420Surface';

/** The parts of DedicatedWorkerGlobalScope used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}

interface Source<T> extends FrameSlot<T> {
  reader: ReadableStreamDefaultReader<VideoFrame>;
}

interface Compositor {
  engine: CompositorEngine<VideoFrame> | CompositorEngine<I420>;
  pump(videoId: string, frames: ReadableStream<VideoFrame>): Promise<void>;
  sources: Map<string, Source<unknown>>;
  close(): void;
}

const STATS_INTERVAL_MS = 500;
const PREVIEW_INTERVAL_MS = 500;
/** The preview's conversion is spread over this many ticks. */
const PREVIEW_BANDS = 8;
/**
 * BT.601, limited range: what WebRTC's decoders hand out and what
 * `rgbToYuv` produces. Tagging the output says so to the encoder and the
 * file (untagged, Chromium writes BT.709 and every colour comes out wrong).
 */
const OUTPUT_COLOR_SPACE: VideoColorSpaceInit = {
  primaries: 'smpte170m',
  transfer: 'smpte170m',
  matrix: 'smpte170m',
  fullRange: false,
};

const scope = self as unknown as WorkerScope;
let compositor: Compositor | undefined;
let statsTimer: ReturnType<typeof setInterval> | undefined;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Reads one video's frames until its stream ends or it is removed, handing
 * each to `accept` (which owns it from then on).
 */
async function readFrames<S extends Source<unknown>>(
  sources: Map<string, S>,
  videoId: string,
  frames: ReadableStream<VideoFrame>,
  create: (reader: ReadableStreamDefaultReader<VideoFrame>) => S,
  accept: (source: S, frame: VideoFrame) => Promise<void> | void,
  release: (source: S) => void,
  onNew: () => void,
): Promise<void> {
  const reader = frames.getReader();
  const source = create(reader);
  sources
    .get(videoId)
    ?.reader.cancel()
    .catch(() => {});
  sources.set(videoId, source);
  onNew();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (sources.get(videoId) !== source) {
        value.close();
        break;
      }
      await accept(source, value);
    }
  } catch (error) {
    post({ type: 'error', message: `video ${videoId}: ${describe(error)}`, fatal: false });
  } finally {
    if (sources.get(videoId) === source) sources.delete(videoId);
    release(source);
  }
}

function canvasCompositor(canvas: OffscreenCanvas, width: number, height: number, fps: number) {
  // alpha: false lets the rasterizer skip blending the canvas itself;
  // desynchronized asks for the low-latency path where one exists.
  const context = canvas.getContext('2d', { alpha: false, desynchronized: true });
  if (!context) throw new Error('OffscreenCanvas 2D context unavailable');
  const sources = new Map<string, Source<VideoFrame>>();
  const engine = new CompositorEngine<VideoFrame>({
    surface: new CanvasSurface(context, width, height),
    width,
    height,
    fps,
    slot: (videoId) => sources.get(videoId),
    onFirstFrame: (info) => post({ type: 'first-frame', info }),
  });
  engine.drawFrame();
  return {
    engine,
    sources: sources as Map<string, Source<unknown>>,
    pump: (videoId: string, frames: ReadableStream<VideoFrame>) =>
      readFrames(
        sources,
        videoId,
        frames,
        (reader): Source<VideoFrame> => ({ image: null, width: 0, height: 0, seq: 0, reader }),
        (source, frame) => {
          const previous = source.image;
          source.image = frame;
          source.width = frame.displayWidth;
          source.height = frame.displayHeight;
          source.seq++;
          previous?.close();
        },
        (source) => {
          source.image?.close();
          source.image = null;
        },
        () => engine.invalidate(videoId),
      ),
    close: () => engine.stop(),
  };
}

interface YuvSource extends Source<I420> {
  /** The buffer the next frame is copied into (swapped with `image` after the copy). */
  spare: I420 | null;
  scratch: Uint8Array | null;
}

/** Copies a frame into an I420 picture, converting NV12 and RGB layouts; null if unsupported. */
async function copyFrame(frame: VideoFrame, source: YuvSource): Promise<I420 | null> {
  const width = frame.visibleRect?.width ?? frame.codedWidth;
  const height = frame.visibleRect?.height ?? frame.codedHeight;
  let target = source.spare;
  if (!target || target.width !== width || target.height !== height) {
    target = createI420(width, height);
  }
  const format = frame.format;
  if (format === 'I420' || format === 'I420A') {
    // The default layout is tightly packed planes: Y, U, V (then A).
    const size = frame.allocationSize();
    const buffer = size === target.data.length ? target.data : new Uint8Array(size);
    const layout = await frame.copyTo(buffer);
    if (buffer !== target.data) target = createI420(width, height, buffer);
    const [, u] = layout;
    if (u && u.offset !== width * height) return null;
    return target;
  }
  const size = frame.allocationSize();
  if (!source.scratch || source.scratch.length < size) source.scratch = new Uint8Array(size);
  const scratch = source.scratch;
  const layout = await frame.copyTo(scratch);
  const [first, second] = layout;
  if (!first) return null;
  if (format === 'NV12' && second) {
    nv12ToI420(
      scratch.subarray(first.offset),
      first.stride,
      scratch.subarray(second.offset),
      second.stride,
      target,
    );
    return target;
  }
  if (format === 'RGBX' || format === 'RGBA' || format === 'BGRX' || format === 'BGRA') {
    const order = format.startsWith('RGB') ? 'rgba' : 'bgra';
    rgbaToI420(scratch.subarray(first.offset), width, height, target, order);
    return target;
  }
  return null;
}

/**
 * The I420 path's preview on the page's canvas, for screenshots: a snapshot
 * of the output converted to RGB in JS a band of rows per tick and put on
 * the canvas when complete. Not `drawImage(videoFrame)` in one go: it was
 * measured blocking this thread for up to 0.5 s on a busy machine, which
 * stopped the frame clock and left gaps in the recording.
 */
class PreviewPainter {
  readonly #snapshot: I420;
  readonly #pixels: ImageData;
  readonly #bandRows: number;
  /** Next row to convert; -1 when idle. */
  #row = -1;

  constructor(width: number, height: number) {
    this.#snapshot = createI420(width, height);
    this.#pixels = new ImageData(width, height);
    // About 1 ms of JS per tick at 960x540; rows stay even (4:2:0).
    this.#bandRows = Math.max(2, Math.ceil(height / PREVIEW_BANDS / 2) * 2);
  }

  /** Takes a snapshot to convert over the next ticks (restarts a conversion under way). */
  start(picture: I420): void {
    this.#snapshot.data.set(picture.data);
    this.#row = 0;
  }

  /** Converts one band; puts the picture on the canvas after the last one. */
  step(context: OffscreenCanvasRenderingContext2D): void {
    if (this.#row < 0) return;
    const snapshot = this.#snapshot;
    const end = Math.min(snapshot.height, this.#row + this.#bandRows);
    i420ToRgba(snapshot, this.#pixels.data, this.#row, end);
    if (end < snapshot.height) {
      this.#row = end;
      return;
    }
    this.#row = -1;
    context.putImageData(this.#pixels, 0, 0);
  }
}

function yuvCompositor(
  previewCanvas: OffscreenCanvas,
  output: WritableStream<VideoFrame>,
  width: number,
  height: number,
  fps: number,
) {
  const writer = output.getWriter();
  const previewContext = previewCanvas.getContext('2d', { alpha: false });
  const preview = new PreviewPainter(width, height);
  const sources = new Map<string, YuvSource>();
  const unsupported = new Set<string>();
  let lastPreview = 0;
  let writeFailed = false;
  const emit = (picture: I420) => {
    if (writeFailed) return;
    const now = performance.now();
    const frame = new VideoFrame(picture.data, {
      format: 'I420',
      codedWidth: width,
      codedHeight: height,
      timestamp: Math.round(now * 1000),
      colorSpace: OUTPUT_COLOR_SPACE,
    });
    if (previewContext) {
      if (now - lastPreview >= PREVIEW_INTERVAL_MS) {
        lastPreview = now;
        preview.start(picture);
      }
      preview.step(previewContext);
    }
    // A sink that stopped pulling must not pile up 1.4 MB frames.
    if ((writer.desiredSize ?? 1) < -2) {
      frame.close();
      return;
    }
    writer.write(frame).catch((error: unknown) => {
      if (writeFailed) return;
      writeFailed = true;
      post({ type: 'error', message: `video output: ${describe(error)}`, fatal: true });
    });
  };
  const engine = new CompositorEngine<I420>({
    surface: new I420Surface(width, height, emit),
    width,
    height,
    fps,
    slot: (videoId) => sources.get(videoId),
    onFirstFrame: (info) => post({ type: 'first-frame', info }),
  });
  return {
    engine,
    sources: sources as Map<string, Source<unknown>>,
    pump: (videoId: string, frames: ReadableStream<VideoFrame>) =>
      readFrames(
        sources,
        videoId,
        frames,
        (reader): YuvSource => ({
          image: null,
          width: 0,
          height: 0,
          seq: 0,
          reader,
          spare: null,
          scratch: null,
        }),
        async (source, frame) => {
          try {
            const picture = await copyFrame(frame, source);
            if (!picture) {
              if (!unsupported.has(frame.format ?? 'null')) {
                unsupported.add(frame.format ?? 'null');
                post({
                  type: 'error',
                  message: `video ${videoId}: frames in ${frame.format ?? 'an opaque format'} cannot be composed`,
                  fatal: false,
                });
              }
              return;
            }
            source.spare = source.image;
            source.image = picture;
            source.width = picture.width;
            source.height = picture.height;
            source.seq++;
          } finally {
            // Copied: hand the decoder its buffer back at once.
            frame.close();
          }
        },
        (source) => {
          source.image = null;
        },
        () => engine.invalidate(videoId),
      ),
    close: () => {
      engine.stop();
      writer.close().catch(() => {});
    },
  };
}

function init(message: Extract<ToWorker, { type: 'init' }>): void {
  const { canvas, output, width, height, fps } = message;
  compositor =
    output && width % 2 === 0 && height % 2 === 0
      ? yuvCompositor(canvas, output, width, height, fps)
      : canvasCompositor(canvas, width, height, fps);
  statsTimer = setInterval(() => {
    if (compositor) post({ type: 'stats', stats: compositor.engine.stats() });
  }, STATS_INTERVAL_MS);
}

function stop(): void {
  if (statsTimer !== undefined) clearInterval(statsTimer);
  if (!compositor) return;
  compositor.close();
  post({ type: 'stats', stats: compositor.engine.stats() });
  for (const source of compositor.sources.values()) source.reader.cancel().catch(() => {});
}

scope.addEventListener('message', ({ data: message }) => {
  try {
    switch (message.type) {
      case 'init':
        init(message);
        break;
      case 'scene':
        compositor?.engine.setScene(message.scene);
        break;
      case 'video':
        void compositor?.pump(message.videoId, message.frames);
        break;
      case 'remove-video': {
        const source = compositor?.sources.get(message.videoId);
        source?.reader.cancel().catch(() => {});
        compositor?.sources.delete(message.videoId);
        break;
      }
      case 'start':
        compositor?.engine.start();
        break;
      case 'stop':
        stop();
        break;
    }
  } catch (error) {
    post({ type: 'error', message: `compositor: ${describe(error)}`, fatal: true });
  }
});
